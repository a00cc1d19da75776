/**
 * Test data (not part of the build): real hourly BTCUSDT rows from @satcast/data with the `ta` plugin's
 * features (the ones the defaults read), split at a cut time the way the host does it: training targets
 * that were not yet public at the cut are NaN.
 */
import { createPluginContext, HORIZON_MS, HOUR, logReturnTargets, toCandleFrame, type Horizon, type PredictInput, type TrainingSet } from '@satcast/core';
import { loadBtcHourly } from '@satcast/data';
import ta from '@satcast/plugin-ta';

export interface Rows {
  times: Float64Array;
  features: Record<string, Float64Array>;
  target: Float64Array;
}

const cache = new Map<string, Promise<{ bars: ReturnType<typeof loadBtcHourly>; features: Record<string, Float64Array> }>>();

/** ta features over [from, to), computed once per range (test files share it). */
function featuresOf(from: number, to: number) {
  const key = `${from}:${to}`;
  let hit = cache.get(key);
  if (!hit) {
    hit = (async () => {
      const bars = loadBtcHourly({ from, to });
      const frame = toCandleFrame(bars as Parameters<typeof toCandleFrame>[0]);
      const options = ta.optionsSchema.parse({ families: ['returns', 'volatility', 'momentum'] });
      const fs = await ta.create(options, createPluginContext());
      return { bars, features: fs.batch(frame) };
    })();
    cache.set(key, hit);
  }
  return hit;
}

export async function realRows(from: number, to: number, horizon: Horizon): Promise<Rows> {
  const { bars, features } = await featuresOf(from, to);
  const openTime = bars.map((b) => b.openTime);
  const target = logReturnTargets(openTime, bars.map((b) => b.close), HORIZON_MS[horizon]);
  return { times: Float64Array.from(openTime, (t) => t + HOUR), features, target };
}

export function slice(rows: Rows, s: number, e?: number): Rows {
  const features: Record<string, Float64Array> = {};
  for (const [k, v] of Object.entries(rows.features)) features[k] = v.slice(s, e);
  return { times: rows.times.slice(s, e), features, target: rows.target.slice(s, e) };
}

export async function split(
  horizon: Horizon,
  trainFrom: number,
  cut: number,
  testTo: number,
): Promise<{ train: TrainingSet; test: PredictInput & { target: Float64Array } }> {
  const rows = await realRows(trainFrom, testTo, horizon);
  const nTrain = rows.times.findIndex((t) => t > cut);
  const tr = slice(rows, 0, nTrain);
  const target = tr.target.map((y, i) => (tr.times[i]! + HORIZON_MS[horizon] <= cut ? y : Number.NaN));
  const te = slice(rows, nTrain);
  return { train: { horizon, ...tr, target }, test: { horizon, ...te } };
}

/** Deterministic PRNG (mulberry32) and a standard normal from it, for synthetic problems. */
export function rng(seed: number): { uniform: () => number; normal: () => number } {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
}

/**
 * Synthetic rows: constant volatility `vol` (1h horizon, 1h bars so sigma_h = vol), features x1..xp ~ N(0,1),
 * target = vol * (b . x + noise).
 */
export function synthetic(n: number, beta: number[], opts: { seed?: number; vol?: number; noise?: number; t0?: number } = {}): TrainingSet {
  const r = rng(opts.seed ?? 1);
  const vol = opts.vol ?? 0.01;
  const features: Record<string, Float64Array> = { ewma_vol: new Float64Array(n).fill(vol) };
  beta.forEach((_b, j) => (features[`x${j + 1}`] = Float64Array.from({ length: n }, () => r.normal())));
  const target = Float64Array.from({ length: n }, (_v, i) => {
    let s = (opts.noise ?? 1) * r.normal();
    beta.forEach((b, j) => (s += b * features[`x${j + 1}`]![i]!));
    return vol * s;
  });
  const t0 = opts.t0 ?? Date.UTC(2024, 0, 1);
  return { horizon: '1h', times: Float64Array.from({ length: n }, (_v, i) => t0 + i * HOUR), features, target };
}
