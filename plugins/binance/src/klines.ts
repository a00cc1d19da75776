/**
 * Binance kline payloads → Satcast candles. Every row is checked the same way whether it came over REST
 * or the WebSocket; a row that cannot be a real bar becomes a reason string (the caller turns it into a
 * `RejectedRecord` with the raw payload), it is never thrown and never dropped silently.
 *
 * REST `GET /api/v3/klines` row (binance-spot-api-docs rest-api.md, "Kline/Candlestick data"):
 *
 *   [1499040000000, "0.01634790", "0.80000000", "0.01575800", "0.01577100", "148976.11427815",
 *    1499644799999, "2434.19055334", 308, "1756.87402397", "28.46694368", "0"]
 *    open time      open          high          low           close         volume
 *    close time     quote volume  trades  taker buy base  taker buy quote  ignore
 *
 * WebSocket `<symbol>@kline_<interval>` event (web-socket-streams.md), combined streams wrap it as
 * `{"stream": "bnbbtc@kline_1m", "data": <event>}`:
 *
 *   {"e":"kline","E":1672515782136,"s":"BNBBTC","k":{"t":1672515780000,"T":1672515839999,"s":"BNBBTC",
 *    "i":"1m","o":"0.0010","c":"0.0020","h":"0.0025","l":"0.0015","v":"1000","x":false, ...}}
 */
import { z } from 'zod';
import { CandleSchema, INTERVAL_MS, type Candle, type Interval } from '@satcast/core';

/** Binance sends prices as decimal strings; a sign is let through so "negative price" is the reason given. */
const Decimal = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/, 'not a decimal string')
  .transform(Number);
const EpochMs = z.number().int().nonnegative();

export const RestKlineRowSchema = z.tuple([EpochMs, Decimal, Decimal, Decimal, Decimal, Decimal, EpochMs]).rest(z.unknown());

export const WsKlineEventSchema = z.object({
  e: z.literal('kline'),
  E: EpochMs,
  s: z.string().min(1),
  k: z.object({
    t: EpochMs,
    T: EpochMs,
    s: z.string().min(1),
    i: z.string().min(1),
    o: Decimal,
    c: Decimal,
    h: Decimal,
    l: Decimal,
    v: Decimal,
    x: z.boolean(),
  }),
});
export type WsKlineEvent = z.output<typeof WsKlineEventSchema>;

/** An in-progress (not yet closed) bar from the stream, delivered to `onTick`; never stored as a candle. */
export interface KlineTick extends Candle {
  /** Exchange close time of the bar (openTime + interval - 1). */
  closeTime: number;
  /** Exchange event time (`E`) of the update. */
  eventTime: number;
  closed: false;
}

export interface BarFields {
  symbol: string;
  interval: Interval;
  openTime: number;
  closeTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export type BarCheck = { ok: true; candle: Candle } | { ok: false; reason: string };

/**
 * The per-bar checks: close time consistent with the interval, candle invariants (positive finite prices,
 * on the grid, low <= open, close <= high), and not opening in the future.
 */
export function checkBar(b: BarFields, o: { now: number; clockSkewMs: number; source: string }): BarCheck {
  const step = INTERVAL_MS[b.interval];
  const parsed = CandleSchema.safeParse({
    symbol: b.symbol,
    interval: b.interval,
    openTime: b.openTime,
    open: b.open,
    high: b.high,
    low: b.low,
    close: b.close,
    volume: b.volume,
    source: o.source,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, reason: `${issue.path.join('.') || 'bar'}: ${issue.message}` };
  }
  if (b.closeTime !== b.openTime + step - 1) {
    return { ok: false, reason: `closeTime ${b.closeTime} does not end a ${b.interval} bar opened at ${b.openTime}` };
  }
  if (b.openTime > o.now + o.clockSkewMs) {
    return { ok: false, reason: `openTime ${b.openTime} is in the future (now ${o.now})` };
  }
  return { ok: true, candle: parsed.data };
}

/** First zod issue as `path: message` (path relative to the payload). */
export function zodReason(err: z.ZodError): string {
  const issue = err.issues[0]!;
  return `${issue.path.length ? issue.path.join('.') : 'payload'}: ${issue.message}`;
}

/** Parse one REST row into bar fields, or a reason. */
export function parseRestRow(row: unknown, symbol: string, interval: Interval): { ok: true; bar: BarFields } | { ok: false; reason: string } {
  const r = RestKlineRowSchema.safeParse(row);
  if (!r.success) return { ok: false, reason: zodReason(r.error) };
  const [openTime, open, high, low, close, volume, closeTime] = r.data;
  return { ok: true, bar: { symbol, interval, openTime, closeTime, open, high, low, close, volume } };
}

/** Unwrap a combined-stream envelope; single streams pass through. */
export function unwrapStream(msg: unknown): { stream?: string; data: unknown } {
  if (msg && typeof msg === 'object' && 'stream' in msg && 'data' in msg) {
    const m = msg as { stream: unknown; data: unknown };
    return { stream: typeof m.stream === 'string' ? m.stream : undefined, data: m.data };
  }
  return { data: msg };
}

/** Stream name Binance uses for a symbol and interval. */
export function streamName(symbol: string, interval: Interval): string {
  return `${symbol.toLowerCase()}@kline_${interval}`;
}
