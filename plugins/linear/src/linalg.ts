/**
 * Small dense linear algebra for the linear models: the normal equations of a (weighted, ridge-
 * penalised) least-squares problem and their Cholesky solve. p is a handful of features, so O(n p^2)
 * accumulation plus an O(p^3) factorisation is all the work there is; no library needed.
 */

import { selectInPlace } from '@satcast/core';

/** Row-major n x p design (already imputed and standardised) with one weight per row. */
export interface Design {
  readonly n: number;
  readonly p: number;
  /** n * p values, row i at [i*p, (i+1)*p). */
  readonly x: Float64Array;
}

/**
 * Solve min_b,w  sum_i wt_i (y_i - b - x_i.w)^2 + alpha * |w|^2 (intercept b not penalised).
 * Returns [b, w_1..w_p]. Uses the (p+1)x(p+1) normal equations and a Cholesky factorisation; a tiny
 * jitter on the diagonal keeps it positive definite when a feature is constant (its column is all 0).
 */
export function weightedRidge(d: Design, y: ArrayLike<number>, wt: ArrayLike<number> | undefined, alpha: number): Float64Array {
  const m = d.p + 1;
  const a = new Float64Array(m * m);
  const rhs = new Float64Array(m);
  const row = new Float64Array(m);
  row[0] = 1;
  for (let i = 0; i < d.n; i++) {
    const w = wt ? wt[i]! : 1;
    if (w === 0) continue;
    for (let j = 0; j < d.p; j++) row[j + 1] = d.x[i * d.p + j]!;
    const yi = y[i]!;
    for (let r = 0; r < m; r++) {
      const wr = w * row[r]!;
      rhs[r] += wr * yi;
      // Upper triangle only; mirrored below.
      for (let c = r; c < m; c++) a[r * m + c] += wr * row[c]!;
    }
  }
  for (let r = 0; r < m; r++) for (let c = 0; c < r; c++) a[r * m + c] = a[c * m + r]!;
  const scale = a[0]! > 0 ? a[0]! : 1;
  for (let j = 1; j < m; j++) a[j * m + j] += alpha + 1e-12 * scale;
  return choleskySolve(a, rhs, m);
}

/** Solve A z = b for symmetric positive-definite A (m x m, row-major). Throws if A is not PD. */
export function choleskySolve(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const l = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * m + j]!;
      for (let k = 0; k < j; k++) s -= l[i * m + k]! * l[j * m + k]!;
      if (i === j) {
        if (!(s > 0)) throw new RangeError(`matrix is not positive definite (pivot ${i} = ${s})`);
        l[i * m + i] = Math.sqrt(s);
      } else {
        l[i * m + j] = s / l[j * m + j]!;
      }
    }
  }
  // Forward then back substitution: L u = b, L^T z = u.
  const u = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * m + k]! * u[k]!;
    u[i] = s / l[i * m + i]!;
  }
  const z = new Float64Array(m);
  for (let i = m - 1; i >= 0; i--) {
    let s = u[i]!;
    for (let k = i + 1; k < m; k++) s -= l[k * m + i]! * z[k]!;
    z[i] = s / l[i * m + i]!;
  }
  return z;
}

/** b + x_i . w for every row of the design. */
export function linearPredict(d: Design, coef: ArrayLike<number>, intercept: number): Float64Array {
  const out = new Float64Array(d.n);
  for (let i = 0; i < d.n; i++) {
    let s = intercept;
    for (let j = 0; j < d.p; j++) s += d.x[i * d.p + j]! * coef[j]!;
    out[i] = s;
  }
  return out;
}

/** Median (NaN-free input assumed); works on a copy. */
export function median(xs: ArrayLike<number>): number {
  const n = xs.length;
  if (n === 0) return Number.NaN;
  const a = Float64Array.from(xs);
  const hi = selectInPlace(a, n >> 1);
  if (n % 2) return hi;
  // The lower middle is the largest value left of the upper one after selection.
  let lo = -Infinity;
  for (let i = 0; i < n >> 1; i++) if (a[i]! > lo) lo = a[i]!;
  return (lo + hi) / 2;
}
