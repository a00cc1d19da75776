/**
 * Population Stability Index between a reference sample and a current one:
 *
 *   PSI = Σ_bins (p_cur − p_ref) · ln(p_cur / p_ref)
 *
 * Bin edges are the reference sample's quantiles at k/bins (linear interpolation, numpy's default), so
 * each bin holds about 1/bins of the reference; repeated edges (a discrete feature) merge bins. A bin
 * holds x when edge_{k−1} < x <= edge_k. Empty bins are floored at `epsilon` so the logarithm stays
 * finite. Rules of thumb: < 0.1 stable, 0.1–0.25 moderate shift, > 0.25 large shift.
 */
import { quantileSorted } from '@satcast/core';

export interface PsiResult {
  psi: number;
  edges: number[];
  /** Proportions per bin (after the epsilon floor). */
  reference: number[];
  current: number[];
}

const finite = (xs: ArrayLike<number>): number[] => Array.from(xs as ArrayLike<number>).filter((x) => Number.isFinite(x));

/** Interior bin edges from the reference quantiles, deduplicated. */
export function psiEdges(reference: ArrayLike<number>, bins = 10): number[] {
  const sorted = Float64Array.from(finite(reference)).sort();
  if (sorted.length === 0) return [];
  const edges: number[] = [];
  for (let k = 1; k < bins; k++) {
    const e = quantileSorted(sorted, k / bins);
    if (edges.length === 0 || e > edges[edges.length - 1]!) edges.push(e);
  }
  return edges;
}

/** Share of `xs` per bin for the given interior edges, floored at `epsilon`. */
export function binProportions(xs: ArrayLike<number>, edges: readonly number[], epsilon = 1e-4): number[] {
  const v = finite(xs);
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const x of v) {
    // Number of edges strictly below x (binary search) = the bin index.
    let lo = 0;
    let hi = edges.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (edges[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    counts[lo]!++;
  }
  return counts.map((c) => Math.max(v.length ? c / v.length : 0, epsilon));
}

/**
 * PSI of `current` against `reference` with `bins` reference-quantile bins.
 * @example psi([1, 2, 3, 4], [1, 1, 1, 1, 1, 1, 1, 4, 4, 4], { bins: 2 }).psi // 0.16946 (0.5/0.5 → 0.7/0.3)
 */
export function psi(reference: ArrayLike<number>, current: ArrayLike<number>, o: { bins?: number; epsilon?: number } = {}): PsiResult {
  const edges = psiEdges(reference, o.bins ?? 10);
  const r = binProportions(reference, edges, o.epsilon);
  const c = binProportions(current, edges, o.epsilon);
  let total = 0;
  for (let i = 0; i < r.length; i++) total += (c[i]! - r[i]!) * Math.log(c[i]! / r[i]!);
  return { psi: total, edges, reference: r, current: c };
}
