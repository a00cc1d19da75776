/**
 * @module @satcast/plugin-binance
 * Binance spot klines as a Satcast data source: paginated REST backfill (`GET /api/v3/klines`) under a
 * weight-aware rate limiter with cockatiel retry/circuit-breaker/timeout, and a WebSocket kline stream
 * that reconnects, rotates before the 24 h cut-off and backfills missed closed bars from REST. Bad rows
 * go to `rejected` with their payload. `health()` on the running source feeds `/api/v1/health`.
 *
 * @example
 * import binance from '@satcast/plugin-binance';
 * const source = await binance.create(binance.optionsSchema.parse({ symbol: 'BTCUSDT', interval: '1h' }), ctx);
 * const { candles, rejected } = await source.fetchRange({ from: Date.UTC(2025, 0, 1), to: Date.UTC(2025, 1, 1) });
 * const sub = await source.subscribe!({ onBatch: (b) => store(b), after: candles!.at(-1)!.openTime });
 */
import { defineDataSource, floorToGrid, INTERVAL_MS, type DataSource, type PluginContext, type SourceBatch, type Subscription } from '@satcast/core';
import { HealthTracker, type BinanceHealth } from './health.js';
import { WeightLimiter, type Sleep } from './limiter.js';
import { optionsSchema, type BinanceOptions } from './options.js';
import { KlinesClient, PLUGIN } from './rest.js';
import { KlineStream, type BinanceSubscribeOptions } from './stream.js';

export { optionsSchema, type BinanceOptions, type BinanceOptionsInput } from './options.js';
export type { BinanceHealth, BinanceHealthState } from './health.js';
export type { BinanceSubscribeOptions } from './stream.js';
export type { KlineTick } from './klines.js';
export { BannedError, parseRetryAfter, type Sleep } from './limiter.js';
export { streamUrl } from './stream.js';

/** The running source: the `DataSource` contract plus `health()`. */
export interface BinanceSource extends DataSource {
  fetchRange(req: { from: number; to: number }): Promise<SourceBatch>;
  fetchLatest(): Promise<SourceBatch>;
  subscribe(opts: BinanceSubscribeOptions): Promise<Subscription>;
  health(): BinanceHealth;
  close(): Promise<void>;
}

/** What tests (or a host with a simulated clock) may replace. */
export interface BinanceRuntime {
  /** Waits used by the rate limiter (Retry-After, weight spacing) and ban waits. Default: timers. */
  sleep?: Sleep;
}

/** Abortable timer sleep. */
export const timerSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * Build a running Binance source. The plugin's `create` calls this with the default runtime; tests pass a
 * `sleep` that advances their fake clock, so every wait is checked without real time passing.
 */
export function createBinanceSource(o: BinanceOptions, ctx: PluginContext, rt: BinanceRuntime = {}): BinanceSource {
  const sleep = rt.sleep ?? timerSleep;
  const limiter = new WeightLimiter(
    { weightLimit: o.rateLimit.weightLimit, slowdownRatio: o.rateLimit.slowdownRatio, defaultBanMs: o.rateLimit.defaultBanMs, plugin: PLUGIN },
    () => ctx.now(),
    sleep,
  );
  const health = new HealthTracker(() => ({
    usedWeight: limiter.usedWeight,
    weightLimit: o.rateLimit.weightLimit,
    pausedUntil: limiter.pausedUntil,
    bannedUntil: limiter.bannedUntil,
    slowing: limiter.slowing,
  }));
  const rest = new KlinesClient(o, ctx, limiter, health);
  const streams = new Set<KlineStream>();

  const fetchRange = async ({ from, to }: { from: number; to: number }): Promise<SourceBatch> => {
    const batch: SourceBatch = { candles: [], rejected: [] };
    // Symbols one after another: the weight budget is shared, parallel pages would only queue.
    for (const symbol of o.symbols) {
      const r = await rest.range(symbol, from, to);
      batch.candles!.push(...r.candles);
      batch.rejected!.push(...r.rejected);
    }
    if (!batch.rejected!.length) delete batch.rejected;
    return batch;
  };

  return {
    fetchRange,
    /** Closed bars of the last two intervals (what a poller needs when the stream is not used). */
    fetchLatest() {
      const to = floorToGrid(ctx.now(), o.interval);
      return fetchRange({ from: to - 2 * INTERVAL_MS[o.interval], to });
    },
    async subscribe(opts) {
      const stream = new KlineStream(o, ctx, rest, health, opts, sleep);
      streams.add(stream);
      stream.start();
      return {
        close: async () => {
          streams.delete(stream);
          await stream.close();
        },
      };
    },
    health: () => health.snapshot(ctx.now()),
    async close() {
      await Promise.all([...streams].map((s) => s.close()));
      health.closed = true;
    },
  };
}

export default defineDataSource<BinanceOptions>({
  name: PLUGIN,
  apiVersion: 1,
  description: 'Binance spot klines: REST backfill with weight-aware rate limiting, WebSocket stream with gap backfill',
  optionsSchema,
  capabilities: { backfill: true, realtime: 'native' },
  rateLimit: { limit: 6000, windowMs: 60_000, usageHeader: 'X-MBX-USED-WEIGHT-1M' },
  series: (o) => o.symbols.map((symbol) => ({ kind: 'candles' as const, symbol, interval: o.interval })),
  create: (o, ctx) => createBinanceSource(o, ctx),
});
