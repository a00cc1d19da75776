/**
 * Quantile binning. Each feature's training values are cut into at most 255 bins by float32 edges; the
 * 256th bin (index 255) holds missing values (NaN). A tree split "bin <= b" is stored as the float32 edge
 * `edges[b]` and evaluated as `fround(x) <= edge`, which is exactly what ONNX-ML TreeEnsemble does with a
 * float32 input tensor and BRANCH_LEQ. Because the bin of a value is defined by that same comparison,
 * training (on bins), TS prediction (on raw float64 input) and ONNX prediction take identical branches
 * for every finite input; the float32 cast happens once, in one place, here.
 */
export const MISSING_BIN = 255;
export const MAX_BINS = 255;

export interface BinMapper {
  readonly nFeatures: number;
  /** Ascending float32 edges per feature: bin b holds fround(x) in (edges[b-1], edges[b]]. */
  readonly edges: readonly Float32Array[];
}

/** A float32 strictly below `b` and at least `a` (both float32, a < b): the midpoint when representable. */
function cut(a: number, b: number): number {
  const m = Math.fround(a + (b - a) / 2);
  return m >= a && m < b ? m : a; // NaN (from -Infinity) also falls back to a
}

/**
 * Learn the edges from the given training rows only (validation and test rows never shape the bins).
 * @param x column-major features x rows matrix, x[f * nRows + r]
 */
export function fitBins(x: Float64Array, nRows: number, nFeatures: number, rows: ArrayLike<number>, maxBins = MAX_BINS): BinMapper {
  const bins = Math.max(2, Math.min(MAX_BINS, maxBins));
  const edges: Float32Array[] = [];
  const buf = new Float32Array(rows.length);
  for (let f = 0; f < nFeatures; f++) {
    let n = 0;
    const off = f * nRows;
    for (let i = 0; i < rows.length; i++) {
      const v = x[off + rows[i]!]!;
      if (v === v) buf[n++] = v; // NaN never shapes bins; +-Infinity lands in the end bins
    }
    const sorted = buf.subarray(0, n).slice().sort();
    // distinct values
    const distinct: number[] = [];
    for (let i = 0; i < n; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct.push(sorted[i]!);
    const e: number[] = [];
    if (distinct.length <= bins) {
      for (let i = 1; i < distinct.length; i++) e.push(cut(distinct[i - 1]!, distinct[i]!));
    } else {
      // Equal-count cuts; a heavy tie moves the cut to the next distinct value rather than splitting it.
      let d = 0;
      for (let k = 1; k < bins; k++) {
        const a = sorted[Math.floor((k * n) / bins) - 1]!;
        while (d < distinct.length && distinct[d]! <= a) d++;
        if (d >= distinct.length) break;
        const c = cut(a, distinct[d]!);
        if (e.length === 0 || c > e[e.length - 1]!) e.push(c);
      }
    }
    edges.push(Float32Array.from(e.filter((v) => Number.isFinite(v))));
  }
  return { nFeatures, edges };
}

/** Bin of one raw value: the first edge with fround(v) <= edge, NaN to MISSING_BIN. */
export function binOf(edges: Float32Array, v: number): number {
  if (v !== v) return MISSING_BIN;
  const x = Math.fround(v);
  let lo = 0, hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x <= edges[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Row-major bins (rows x features, Uint8) of the given rows: the histogram loops read one row at a time. */
export function applyBins(mapper: BinMapper, x: Float64Array, nRows: number, rows: ArrayLike<number>): Uint8Array {
  const nF = mapper.nFeatures;
  const out = new Uint8Array(rows.length * nF);
  for (let f = 0; f < nF; f++) {
    const e = mapper.edges[f]!;
    const off = f * nRows;
    for (let i = 0; i < rows.length; i++) out[i * nF + f] = binOf(e, x[off + rows[i]!]!);
  }
  return out;
}
