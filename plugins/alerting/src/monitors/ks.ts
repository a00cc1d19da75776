/**
 * Two-sample Kolmogorov–Smirnov test for drift between a reference sample (training window) and a
 * current one (live window). The statistic is D = sup |F_ref(x) − F_cur(x)|. The two-sided p-value is
 *
 * - `exact`: the probability that a random interleaving of the two samples gives D' >= D, counted on
 *   the lattice of paths (the algorithm of R's `psmirnov2x`; equals scipy `ks_2samp(method='exact')`
 *   when there are no ties). O(n·m) time, O(min(n, m)) memory.
 * - `asymp`: the Kolmogorov limit Q(√(nm/(n+m))·D) (scipy `kstwobign.sf`, R's large-sample p-value).
 *
 * `auto` (default) is exact while n·m <= 10⁷ (tens of milliseconds), else asymptotic.
 */
import { sortedFinite } from '@satcast/core';

export interface KsResult {
  statistic: number;
  pValue: number;
  method: 'exact' | 'asymp';
  n: number;
  m: number;
}


/** D = sup |F_a − F_b| over both samples' points (ties handled: both CDFs step before comparing). */
export function ksStatistic(a: Float64Array, b: Float64Array): number {
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < a.length && j < b.length) {
    const x = Math.min(a[i]!, b[j]!);
    while (i < a.length && a[i] === x) i++;
    while (j < b.length && b[j] === x) j++;
    d = Math.max(d, Math.abs(i / a.length - j / b.length));
  }
  return d;
}

/** Kolmogorov survival function Q(x) = 2 Σ_{k>=1} (−1)^{k−1} e^{−2k²x²}. */
export function kolmogorovSf(x: number): number {
  if (x <= 0) return 1;
  if (x < 0.2) return 1; // the series converges slowly here and Q(0.2) = 1 − 1e-23
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * x * x);
    sum += (k % 2 === 1 ? 1 : -1) * term;
    if (term < 1e-17) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

/** P(D_{n,m} >= d) by counting lattice paths that stay strictly inside the band |i/n − j/m| < d. */
export function ksExactPValue(d: number, n: number, m: number): number {
  if (d <= 0) return 1;
  // Keep the inner loop on the larger sample, the outer on the smaller.
  const [md, nd] = n <= m ? [n, m] : [m, n];
  // Values of |i/md − j/nd| are multiples of 1/(md·nd); step just below d so that D' == d counts as >= d.
  const q = (0.5 + Math.floor(d * md * nd - 1e-7)) / (md * nd);
  const u = new Float64Array(nd + 1);
  for (let j = 0; j <= nd; j++) u[j] = j / nd > q ? 0 : 1;
  for (let i = 1; i <= md; i++) {
    // Paths are weighted so u stays a probability (no binomial overflow): w = i / (i + nd).
    const w = i / (i + nd);
    u[0] = i / md > q ? 0 : w * u[0]!;
    for (let j = 1; j <= nd; j++) u[j] = Math.abs(i / md - j / nd) > q ? 0 : w * u[j]! + u[j - 1]!;
  }
  return Math.min(1, Math.max(0, 1 - u[nd]!));
}

/**
 * Two-sample KS test. Non-finite values are dropped (report them with `missingRatio`).
 * @example ksTest([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]) // { statistic: 1, pValue: 0.0079365…, method: 'exact' }
 */
export function ksTest(reference: ArrayLike<number>, current: ArrayLike<number>, opts: { method?: 'auto' | 'exact' | 'asymp' } = {}): KsResult {
  const a = sortedFinite(Array.from(reference));
  const b = sortedFinite(Array.from(current));
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return { statistic: Number.NaN, pValue: Number.NaN, method: 'asymp', n, m };
  const d = ksStatistic(a, b);
  const method = opts.method === 'exact' || opts.method === 'asymp' ? opts.method : n * m <= 1e7 ? 'exact' : 'asymp';
  const pValue = method === 'exact' ? ksExactPValue(d, n, m) : kolmogorovSf(Math.sqrt((n * m) / (n + m)) * d);
  return { statistic: d, pValue, method, n, m };
}
