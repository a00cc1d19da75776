/**
 * Options of the Binance source, validated by the config loader. Everything that is a time or a count
 * can be shrunk in tests (tiny backoffs, short connection age) without touching the code paths.
 */
import { z } from 'zod';
import { IntervalSchema } from '@satcast/core';

/** Binance spot symbols are upper-case alphanumerics (`BTCUSDT`, `1000SATSUSDT`). */
const SymbolSchema = z.string().regex(/^[A-Z0-9]{2,20}$/, 'expected an upper-case Binance symbol such as "BTCUSDT"');
const ms = (max: number) => z.number().int().nonnegative().max(max);

export const restOptionsSchema = z.strictObject({
  /** Per-attempt timeout (cockatiel timeout policy). */
  timeoutMs: z.number().int().positive().max(120_000).default(10_000),
  /** Retries after the first attempt for network errors, timeouts, 429 and 5xx. */
  retries: z.number().int().min(0).max(10).default(4),
  /** Exponential backoff with decorrelated jitter between retries. */
  backoffInitialMs: ms(60_000).default(500),
  backoffMaxMs: ms(600_000).default(30_000),
  /** Consecutive failed attempts (5xx, network, timeout) that open the circuit. */
  breakerThreshold: z.number().int().positive().max(1000).default(5),
  /** How long the circuit stays open before one trial request. */
  breakerHalfOpenMs: ms(3_600_000).default(30_000),
});

export const rateLimitOptionsSchema = z.strictObject({
  /** Request weight allowed per minute (Binance spot REQUEST_WEIGHT, 6000 in 2025). */
  weightLimit: z.number().int().positive().default(6000),
  /** Above this share of `weightLimit` requests are spaced out over the rest of the minute. */
  slowdownRatio: z.number().gt(0).max(1).default(0.8),
  /** Weight of one `GET /api/v3/klines` call. */
  requestWeight: z.number().int().positive().default(2),
  /** Ban length assumed when a 418 carries no `Retry-After`. */
  defaultBanMs: ms(7 * 86_400_000).default(120_000),
});

export const wsOptionsSchema = z.strictObject({
  /** Reconnect backoff (exponential, decorrelated jitter); reset once a connection delivers a frame. */
  reconnectInitialMs: ms(60_000).default(500),
  reconnectMaxMs: ms(600_000).default(30_000),
  /** No frame (message, ping or pong) for this long: the connection is dead and is replaced. */
  idleTimeoutMs: z.number().int().positive().max(600_000).default(60_000),
  /** Binance closes every connection at 24 h; reconnect before that, on our terms. */
  maxConnectionAgeMs: z.number().int().positive().max(86_400_000).default(23 * 3_600_000 + 30 * 60_000),
  handshakeTimeoutMs: z.number().int().positive().max(120_000).default(10_000),
});

export const optionsSchema = z
  .strictObject({
    /** One symbol (single stream `/ws/<symbol>@kline_<interval>`). */
    symbol: SymbolSchema.optional(),
    /** Several symbols on one combined stream (`/stream?streams=a/b`); give `symbol` or `symbols`, not both. */
    symbols: z.array(SymbolSchema).min(1).max(200).optional(),
    interval: IntervalSchema.default('1h'),
    /** Use the combined-stream endpoint even for one symbol. */
    combined: z.boolean().default(false),
    baseUrl: z.url({ protocol: /^https?$/ }).default('https://api.binance.com'),
    wsUrl: z.url({ protocol: /^wss?$/ }).default('wss://stream.binance.com:9443'),
    /** Bars per REST page (Binance maximum 1000). */
    pageLimit: z.number().int().min(1).max(1000).default(1000),
    /** A bar opening later than now + this is "from the future" and rejected. */
    clockSkewMs: ms(3_600_000).default(5_000),
    rest: restOptionsSchema.prefault({}),
    rateLimit: rateLimitOptionsSchema.prefault({}),
    ws: wsOptionsSchema.prefault({}),
  })
  .refine((o) => !(o.symbol && o.symbols), { message: 'give "symbol" or "symbols", not both', path: ['symbols'] })
  .refine((o) => o.rest.backoffMaxMs >= o.rest.backoffInitialMs, {
    message: 'must be >= rest.backoffInitialMs',
    path: ['rest', 'backoffMaxMs'],
  })
  .refine((o) => o.ws.reconnectMaxMs >= o.ws.reconnectInitialMs, {
    message: 'must be >= ws.reconnectInitialMs',
    path: ['ws', 'reconnectMaxMs'],
  })
  .transform((o) => ({ ...o, symbols: [...new Set(o.symbols ?? [o.symbol ?? 'BTCUSDT'])] }));

export type BinanceOptions = z.output<typeof optionsSchema>;
export type BinanceOptionsInput = z.input<typeof optionsSchema>;
