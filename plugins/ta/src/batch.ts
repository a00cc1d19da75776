import type { CandleFrame, FeatureColumns } from '@satcast/core';
import type { TaOptions } from './index.js';

/** Whole-history computation over typed arrays (prefix sums for rolling windows). */
export function batchFeatures(f: CandleFrame, o: TaOptions): FeatureColumns {
  const n = f.close.length;
  const out: FeatureColumns = {};
  const r = new Float64Array(n).fill(Number.NaN);
  for (let i = 1; i < n; i++) r[i] = Math.log(f.close[i]! / f.close[i - 1]!);

  for (const k of o.returnLags) {
    const col = new Float64Array(n).fill(Number.NaN);
    for (let i = k; i < n; i++) col[i] = Math.log(f.close[i]! / f.close[i - k]!);
    out[`logret_${k}`] = col;
  }

  // prefix[i] = sum of r[1..i]^2; window of w returns ending at i needs i >= w.
  const prefix = new Float64Array(n);
  for (let i = 1; i < n; i++) prefix[i] = prefix[i - 1]! + r[i]! * r[i]!;
  for (const w of o.volWindows) {
    const col = new Float64Array(n).fill(Number.NaN);
    for (let i = w; i < n; i++) col[i] = Math.sqrt(Math.max(0, prefix[i]! - prefix[i - w]!) / w);
    out[`rv_${w}`] = col;
  }

  const ewma = new Float64Array(n).fill(Number.NaN);
  let v = Number.NaN;
  for (let i = 1; i < n; i++) {
    const sq = r[i]! * r[i]!;
    v = i === 1 ? sq : o.ewmaLambda * v + (1 - o.ewmaLambda) * sq;
    ewma[i] = Math.sqrt(v);
  }
  out.ewma_vol = ewma;

  const hl = new Float64Array(n);
  for (let i = 0; i < n; i++) hl[i] = Math.log(f.high[i]! / f.low[i]!);
  out.hl_range = hl;
  return out;
}
