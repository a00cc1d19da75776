/**
 * Test-only synthetic rows: hourly bars whose standardised target depends on a feature `lag` bars
 * earlier, z_i = a_{i-lag} + noise * eps_i, with `a`, `b` i.i.d. N(0, 1) and constant volatility. A
 * row-wise model (which sees a_i, b_i only) cannot beat predicting 0; a sequence model can.
 */
import { HOUR, seededRandom, type TrainingSet } from '@satcast/core';

export function gaussian(rand: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

export function syntheticRows(n: number, opts: { lag?: number; noise?: number; seed?: number; start?: number } = {}): TrainingSet & { z: Float64Array } {
  const lag = opts.lag ?? 5, noise = opts.noise ?? 0.5;
  const g = gaussian(seededRandom(opts.seed ?? 11));
  const a = Float64Array.from({ length: n }, g);
  const b = Float64Array.from({ length: n }, g);
  const vol = new Float64Array(n).fill(0.01);
  const z = Float64Array.from({ length: n }, (_, i) => (i >= lag ? a[i - lag]! : 0) + noise * g());
  const start = opts.start ?? Date.UTC(2024, 0, 1);
  return {
    horizon: '1h',
    times: Float64Array.from({ length: n }, (_, i) => start + i * HOUR),
    features: { a, b, vol },
    target: Float64Array.from(z, (v) => v * 0.01),
    z,
  };
}

/** Mean squared error of zHat against z over rows [from, to). */
export function mse(zHat: ArrayLike<number>, z: ArrayLike<number>, from = 0, to = z.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += (zHat[i]! - z[i]!) ** 2;
  return s / (to - from);
}
