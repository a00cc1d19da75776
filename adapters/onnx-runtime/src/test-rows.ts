/**
 * Test data (not part of the build): real hourly BTCUSDT rows from @satcast/data with the `ta` features
 * the linear models read by default, and the host's training cut (targets not public at the cut are NaN).
 */
import { createPluginContext, HORIZON_MS, HOUR, logReturnTargets, toCandleFrame, type Horizon, type PredictInput, type TrainingSet } from '@satcast/core';
import { loadBtcHourly } from '@satcast/data';
import ta from '@satcast/plugin-ta';

const cache = new Map<string, Promise<{ bars: ReturnType<typeof loadBtcHourly>; features: Record<string, Float64Array> }>>();

function featuresOf(from: number, to: number) {
  const key = `${from}:${to}`;
  if (!cache.has(key)) {
    cache.set(key, (async () => {
      const bars = loadBtcHourly({ from, to });
      const fs = await ta.create(ta.optionsSchema.parse({ families: ['returns', 'volatility', 'momentum'] }), createPluginContext());
      return { bars, features: fs.batch(toCandleFrame(bars as Parameters<typeof toCandleFrame>[0])) };
    })());
  }
  return cache.get(key)!;
}

export async function split(horizon: Horizon, from: number, cut: number, to: number): Promise<{ train: TrainingSet; test: PredictInput & { target: Float64Array } }> {
  const { bars, features } = await featuresOf(from, to);
  const times = Float64Array.from(bars, (b) => b.openTime + HOUR);
  const target = logReturnTargets(bars.map((b) => b.openTime), bars.map((b) => b.close), HORIZON_MS[horizon]);
  const n = times.findIndex((t) => t > cut);
  const pick = (s: number, e?: number) => Object.fromEntries(Object.entries(features).map(([k, v]) => [k, v.slice(s, e)]));
  return {
    train: { horizon, times: times.slice(0, n), features: pick(0, n), target: target.slice(0, n).map((y, i) => (times[i]! + HORIZON_MS[horizon] <= cut ? y : Number.NaN)) },
    test: { horizon, times: times.slice(n), features: pick(n), target: target.slice(n) },
  };
}

/** A copy of `features` with about `share` of the cells of `names` set to NaN (and a few to ±Infinity). */
export function withHoles(features: Readonly<Record<string, Float64Array>>, names: readonly string[], share: number): Record<string, Float64Array> {
  let seed = 12345;
  const next = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const out: Record<string, Float64Array> = { ...features };
  for (const name of names) {
    out[name] = features[name]!.map((v) => {
      const u = next();
      return u < share ? Number.NaN : u < share * 1.05 ? (u < share * 1.025 ? Infinity : -Infinity) : v;
    });
  }
  return out;
}
