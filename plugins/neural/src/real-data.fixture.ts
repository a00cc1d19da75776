/**
 * Test-only: real hourly BTCUSDT rows from the bundled history with the `ta` plugin's features (a dev
 * dependency; the library and plugins never import it), targets from core, split in time like the host.
 */
import { createPluginContext, HORIZON_MS, HOUR, logReturnTargets, toCandleFrame, type Horizon } from '@satcast/core';
import { loadBtcHourly } from '@satcast/data';
import ta from '@satcast/plugin-ta';

const cache = new Map<string, { times: Float64Array; features: Record<string, Float64Array>; target: Float64Array }>();

export async function realRows(from: number, to: number, horizon: Horizon) {
  const key = `${from}:${to}:${horizon}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const bars = loadBtcHourly({ from, to });
  const fs = await ta.create(ta.optionsSchema.parse({}), createPluginContext());
  const features = fs.batch(toCandleFrame(bars as Parameters<typeof toCandleFrame>[0])) as Record<string, Float64Array>;
  const openTime = bars.map((b) => b.openTime);
  const target = logReturnTargets(openTime, bars.map((b) => b.close), HORIZON_MS[horizon]);
  const rows = { times: Float64Array.from(openTime, (t) => t + HOUR), features, target };
  cache.set(key, rows);
  return rows;
}

/** Train rows before `cut` (targets known by `cut`), test rows after it, like the host's walk-forward. */
export async function realSplit(horizon: Horizon, trainFrom: number, cut: number, testTo: number) {
  const rows = await realRows(trainFrom, testTo, horizon);
  const nTrain = rows.times.findIndex((t) => t > cut);
  const pick = (s: number, e?: number) => Object.fromEntries(Object.entries(rows.features).map(([k, v]) => [k, v.slice(s, e)]));
  const trainTarget = rows.target.slice(0, nTrain).map((y, i) => (rows.times[i]! + HORIZON_MS[horizon] <= cut ? y : Number.NaN));
  return {
    train: { horizon, times: rows.times.slice(0, nTrain), features: pick(0, nTrain), target: trainTarget },
    test: { horizon, times: rows.times.slice(nTrain), features: pick(nTrain), target: rows.target.slice(nTrain) },
  };
}
