/**
 * Test helper for model plugins (`@satcast/plugin-ta/testing`): rows of `ta` features over real candles
 * with core's horizon targets, and a time split like the host's walk-forward (train targets only where
 * public by the cut). Callers bring the candles (e.g. `loadBtcHourly` from `@satcast/data`).
 * @example
 * const rows = await taRows(loadBtcHourly({ from, to }), '1h');
 * const { train, test } = splitAtTime(rows, '1h', cut);
 */
import { createPluginContext, HORIZON_MS, logReturnTargets, toCandleFrame, type Candle, type Horizon } from '@satcast/core';
import ta from './index.js';
import type { TaOptions } from './index.js';

export interface TaRows {
  times: Float64Array;
  features: Record<string, Float64Array>;
  target: Float64Array;
}

/** `ta` features (all, or the `keep` columns) as of each bar's close, and the horizon log-return target. */
export async function taRows(bars: readonly Candle[], horizon: Horizon, o: { options?: Partial<TaOptions>; keep?: readonly string[] } = {}): Promise<TaRows> {
  const fs = await ta.create(ta.optionsSchema.parse(o.options ?? {}), createPluginContext());
  const all = fs.batch(toCandleFrame(bars)) as Record<string, Float64Array>;
  const features = o.keep ? Object.fromEntries(o.keep.map((k) => [k, all[k]!])) : all;
  const bar = bars.length > 1 ? bars[1]!.openTime - bars[0]!.openTime : 3_600_000;
  const openTime = bars.map((b) => b.openTime);
  const target = logReturnTargets(openTime, bars.map((b) => b.close), HORIZON_MS[horizon]);
  return { times: Float64Array.from(openTime, (t) => t + bar), features, target };
}

/** Train rows issued up to `cut` (targets only where public by `cut`), test rows after it. */
export function splitAtTime(rows: TaRows, horizon: Horizon, cut: number) {
  const nTrain = rows.times.findIndex((t) => t > cut);
  const pick = (s: number, e?: number) => Object.fromEntries(Object.entries(rows.features).map(([k, v]) => [k, v.slice(s, e)]));
  const trainTarget = rows.target.slice(0, nTrain).map((y, i) => (rows.times[i]! + HORIZON_MS[horizon] <= cut ? y : Number.NaN));
  return {
    train: { horizon, times: rows.times.slice(0, nTrain), features: pick(0, nTrain), target: trainTarget },
    test: { horizon, times: rows.times.slice(nTrain), features: pick(nTrain), target: rows.target.slice(nTrain) },
  };
}
