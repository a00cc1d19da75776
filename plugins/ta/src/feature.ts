/** Registry entry helper for the ta families: name, bars before defined, description, candle fields read. */
import type { FeatureInfo } from '@satcast/core';

export const C = ['close'];
export const HLC = ['high', 'low', 'close'];
export const OHLC = ['open', 'high', 'low', 'close'];
export const HLCV = ['high', 'low', 'close', 'volume'];

export function feat(name: string, lookback: number, description: string, inputs: string[] = C): FeatureInfo {
  return { name, lookback, description, inputs };
}

/** log(a / b), the scale-free distance used for every price-level quantity. */
export const logRatio = (a: number, b: number): number => Math.log(a / b);

/** Position of x in [lo, hi] as 0..1; the middle (0.5) when the range is flat. */
export function position(x: number, lo: number, hi: number): number {
  const r = hi - lo;
  if (Number.isNaN(r)) return Number.NaN;
  return r > 0 ? (x - lo) / r : 0.5;
}
