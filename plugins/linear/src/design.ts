/**
 * From feature columns to the regression's design: which rows are usable, the per-feature training
 * mean and standard deviation, and the imputed, standardised matrix. Non-finite inputs are replaced by
 * the training mean (so they contribute 0 after standardisation); the ONNX graph does the same with an
 * Imputer node, so both paths agree on rows with missing inputs.
 */
import { ValidationError } from '@satcast/core';
import type { Design } from './linalg.js';

export interface Standardizer {
  /** Training mean per input: the centre and the imputation value. */
  mean: number[];
  /** Training standard deviation per input (1 for a constant column, so it contributes nothing). */
  std: number[];
}

export function column(features: Readonly<Record<string, Float64Array>>, name: string, plugin: string): Float64Array {
  const c = features[name];
  if (!c) throw new ValidationError(`missing input feature "${name}"`, { plugin, field: name });
  return c;
}

/**
 * Indices of rows with a finite target and a positive volatility, in time order, keeping the most recent
 * `max`. Rows whose target is not known yet (NaN) are ignored, as the host promises for recent rows.
 */
export function usableRows(target: Float64Array, vol: Float64Array, max: number): Int32Array {
  const idx: number[] = [];
  for (let i = 0; i < target.length; i++) {
    if (Number.isFinite(target[i]!) && vol[i]! > 0 && Number.isFinite(vol[i]!)) idx.push(i);
  }
  return Int32Array.from(idx.length > max ? idx.slice(idx.length - max) : idx);
}

/** Mean and population std of each column over `rows`, skipping non-finite values. */
export function fitStandardizer(cols: readonly Float64Array[], rows: ArrayLike<number>): Standardizer {
  const mean: number[] = [];
  const std: number[] = [];
  for (const c of cols) {
    let n = 0, m = 0, m2 = 0;
    for (let k = 0; k < rows.length; k++) {
      const v = c[rows[k]!]!;
      if (!Number.isFinite(v)) continue;
      // Welford: stable for features with a large mean and a small spread.
      n++;
      const d = v - m;
      m += d / n;
      m2 += d * (v - m);
    }
    const s = n > 1 ? Math.sqrt(m2 / n) : 0;
    mean.push(n > 0 ? m : 0);
    std.push(s > 1e-12 * Math.max(1, Math.abs(m)) ? s : 1);
  }
  return { mean, std };
}

/** Standardised, clipped value of one input; non-finite values are imputed with the mean, i.e. 0. */
export function standardize(v: number, mean: number, std: number, clip: number): number {
  if (!Number.isFinite(v)) return 0;
  const s = (v - mean) / std;
  return s > clip ? clip : s < -clip ? -clip : s;
}

/** Row-major standardised, clipped design over `rows`. */
export function buildDesign(cols: readonly Float64Array[], rows: ArrayLike<number>, st: Standardizer, clip: number): Design {
  const p = cols.length;
  const n = rows.length;
  const x = new Float64Array(n * p);
  for (let k = 0; k < n; k++) {
    const i = rows[k]!;
    for (let j = 0; j < p; j++) x[k * p + j] = standardize(cols[j]![i]!, st.mean[j]!, st.std[j]!, clip);
  }
  return { n, p, x };
}
