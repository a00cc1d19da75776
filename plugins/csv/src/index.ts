/**
 * @module @satcast/plugin-csv
 * Candles from a CSV file (plain or `.gz`), e.g. the bundled Binance BTCUSDT history or any candles a
 * user brings. `fetchRange` backfills; `subscribe` replays held-back bars as a live feed at a chosen
 * speed, so the whole live pipeline runs offline on real data.
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import {
  defineDataSource,
  IntervalSchema,
  ValidationError,
  type Candle,
  type SourceBatch,
} from '@satcast/core';
import { parseCandleCsv } from './parse.js';

export { parseCandleCsv, REQUIRED_COLUMNS } from './parse.js';

export const optionsSchema = z.strictObject({
  /** Path of the CSV (`.csv` or `.csv.gz`); header `ts,open,high,low,close,volume`. */
  path: z.string().min(1),
  symbol: z.string().regex(/^[A-Z0-9]{2,20}$/).default('BTCUSDT'),
  interval: IntervalSchema.default('1h'),
  replay: z
    .strictObject({
      /** The newest N bars are withheld from backfill and replayed by `subscribe`. 0 disables replay. */
      holdBackBars: z.number().int().min(0).default(0),
      /** Replay speed in bars per second. */
      barsPerSecond: z.number().positive().max(10_000).default(1),
    })
    .prefault({}),
});
export type CsvOptions = z.output<typeof optionsSchema>;

export default defineDataSource<CsvOptions>({
  name: 'csv',
  apiVersion: 1,
  description: 'OHLCV candles from a CSV file, with backfill and replay as a live feed',
  optionsSchema,
  capabilities: { backfill: true, realtime: 'native' },
  series: (o) => [{ kind: 'candles', symbol: o.symbol, interval: o.interval }],
  async create(options, ctx) {
    let raw: Buffer;
    try {
      raw = await readFile(options.path);
    } catch (err) {
      throw new ValidationError(`cannot read "${options.path}": ${(err as Error).message}`, {
        plugin: 'csv',
        field: 'path',
        cause: err,
      });
    }
    const text = (options.path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
    const { candles, rejected } = parseCandleCsv(text, {
      symbol: options.symbol,
      interval: options.interval,
      source: 'csv',
      // Everything in a history file is in the past; rows after "now" are still rejected.
      now: Math.max(ctx.now(), 0),
      file: options.path,
    });
    const split = Math.max(0, candles.length - options.replay.holdBackBars);
    const history = candles.slice(0, split);
    const live = candles.slice(split);
    let rejectedReported = false;
    const timers = new Set<ReturnType<typeof setTimeout>>();

    return {
      async fetchRange({ from, to }): Promise<SourceBatch> {
        const lo = lowerBound(history, from);
        const hi = lowerBound(history, to);
        const batch: SourceBatch = { candles: history.slice(lo, hi) };
        // Parse rejections are reported once, with the first backfill, so quarantine gets them exactly once.
        if (!rejectedReported && rejected.length) {
          batch.rejected = rejected;
          rejectedReported = true;
        }
        return batch;
      },
      async subscribe({ onBatch, onError }) {
        let i = 0;
        let closed = false;
        const tick = async () => {
          if (closed || ctx.signal.aborted || i >= live.length) return;
          const bar: Candle = live[i++]!;
          try {
            await onBatch({ candles: [bar] });
          } catch (err) {
            onError?.(err);
          }
          const t = setTimeout(() => void tick(), 1000 / options.replay.barsPerSecond);
          timers.add(t);
        };
        const first = setTimeout(() => void tick(), 0);
        timers.add(first);
        return {
          async close() {
            closed = true;
            timers.forEach(clearTimeout);
          },
        };
      },
      async close() {
        timers.forEach(clearTimeout);
      },
    };
  },
});

/** First index whose openTime >= t (candles ascending). */
function lowerBound(candles: readonly Candle[], t: number): number {
  let lo = 0;
  let hi = candles.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (candles[mid]!.openTime < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
