import { z } from 'zod';
import { IntervalSchema, INTERVAL_MS } from '../time.js';

const price = z.number().finite().positive();

/**
 * One OHLCV bar. Identified by (symbol, interval, openTime); available at openTime + interval.
 * Invariants checked here: integer UTC ms on the interval grid, low <= open, close <= high.
 */
export const CandleSchema = z
  .object({
    symbol: z.string().min(1).max(32),
    interval: IntervalSchema,
    openTime: z.number().int().nonnegative(),
    open: price,
    high: price,
    low: price,
    close: price,
    volume: z.number().finite().nonnegative(),
    /** Plugin that produced the bar, for provenance. */
    source: z.string().min(1).optional(),
  })
  .superRefine((c, ctx) => {
    if (c.openTime % INTERVAL_MS[c.interval] !== 0) {
      ctx.addIssue({ code: 'custom', path: ['openTime'], message: `not on the ${c.interval} grid` });
    }
    if (c.high < c.low) ctx.addIssue({ code: 'custom', path: ['high'], message: 'high < low' });
    if (c.open > c.high || c.open < c.low) {
      ctx.addIssue({ code: 'custom', path: ['open'], message: 'open outside [low, high]' });
    }
    if (c.close > c.high || c.close < c.low) {
      ctx.addIssue({ code: 'custom', path: ['close'], message: 'close outside [low, high]' });
    }
  });
export type Candle = z.infer<typeof CandleSchema>;

/** Columnar view of candles (one typed array per field), used by batch feature code. */
export interface CandleFrame {
  readonly symbol: string;
  readonly interval: z.infer<typeof IntervalSchema>;
  readonly openTime: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

/** Build a columnar frame from ascending candles of one symbol and interval. */
export function toCandleFrame(candles: readonly Candle[]): CandleFrame {
  const n = candles.length;
  const frame = {
    symbol: candles[0]?.symbol ?? '',
    interval: candles[0]?.interval ?? '1h',
    openTime: new Float64Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
  } satisfies CandleFrame;
  for (let i = 0; i < n; i++) {
    const c = candles[i]!;
    frame.openTime[i] = c.openTime;
    frame.open[i] = c.open;
    frame.high[i] = c.high;
    frame.low[i] = c.low;
    frame.close[i] = c.close;
    frame.volume[i] = c.volume;
  }
  return frame;
}

/** Slice rows [start, end) of a frame without copying. */
export function sliceFrame(f: CandleFrame, start: number, end = f.openTime.length): CandleFrame {
  return {
    symbol: f.symbol,
    interval: f.interval,
    openTime: f.openTime.subarray(start, end),
    open: f.open.subarray(start, end),
    high: f.high.subarray(start, end),
    low: f.low.subarray(start, end),
    close: f.close.subarray(start, end),
    volume: f.volume.subarray(start, end),
  };
}
