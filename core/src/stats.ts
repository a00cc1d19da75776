/**
 * Small numeric helpers shared by plugins and hosts (quantiles of samples, calibrated frequencies), so
 * baselines and scoring compute them one way.
 */

/** Linear-interpolated quantile (type 7, as numpy's default) of an ascending-sorted sample. */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  if (p <= 0) return sorted[0]!;
  if (p >= 1) return sorted[n - 1]!;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * k-th smallest (0-based) of `a` by Hoare quickselect, reordering `a` in place: afterwards a[k] is that
 * value, with no larger value before it and no smaller one after. Expected O(n), where a sort is O(n log n).
 */
export function selectInPlace(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const pivot = a[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i++] = a[j]!;
        a[j--] = t;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

/**
 * Type-7 quantile of `xs` (as `quantileSorted` on the sorted sample) by quickselect on `scratch` (a copy;
 * `xs` is untouched): linear time for hot loops that would otherwise sort. NaN for an empty sample.
 */
export function quantileSelect(xs: ArrayLike<number>, p: number, scratch: Float64Array = new Float64Array(xs.length)): number {
  const n = xs.length;
  if (n === 0) return Number.NaN;
  scratch.set(xs);
  const h = (n - 1) * Math.min(1, Math.max(0, p));
  const lo = Math.floor(h);
  const a = selectInPlace(scratch, lo);
  if (lo + 1 >= n || h === lo) return a;
  // Everything right of `lo` is >= a after selection: the next order statistic is their minimum.
  let b = Infinity;
  for (let i = lo + 1; i < n; i++) if (scratch[i]! < b) b = scratch[i]!;
  return a + (h - lo) * (b - a);
}

/** Finite values of `xs` sorted ascending (copy). */
export function sortedFinite(xs: Iterable<number>): Float64Array {
  const out: number[] = [];
  for (const x of xs) if (Number.isFinite(x)) out.push(x);
  return Float64Array.from(out).sort();
}

/** Laplace-smoothed frequency (k + a) / (n + a + b): a calibrated rate that never claims 0 or 1. */
export function smoothedRate(k: number, n: number, a = 1, b = 1): number {
  return (k + a) / (n + a + b);
}

/**
 * Small deterministic PRNG (mulberry32): uniform [0, 1) from a 32-bit seed, identical in Node, workerd and
 * browsers. Models use it for reproducible subsampling; test suites for reproducible data.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
