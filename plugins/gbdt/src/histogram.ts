/**
 * Gradient/hessian histograms and the split search over them. A node's histogram is one Float64Array of
 * nFeatures x 256 bins x (g, h); bin 255 is "missing". Only the smaller child of a split is built from
 * its rows; the larger sibling is parent minus smaller (histogram subtraction), which roughly halves the
 * work per level.
 */
import { MISSING_BIN } from './binning.js';

export const HIST_STRIDE = 512; // 256 bins x (g, h)

/** Add rows idx[start..end) into `hist` for features `feats` (all when null). */
export function buildHistogram(
  hist: Float64Array,
  bins: Uint8Array,
  nF: number,
  idx: Uint32Array,
  start: number,
  end: number,
  grad: Float64Array,
  hess: Float64Array,
  feats: Int32Array | null,
): void {
  if (feats === null) {
    for (let i = start; i < end; i++) {
      const r = idx[i]!;
      const g = grad[r]!, h = hess[r]!;
      const base = r * nF;
      for (let f = 0, o = 0; f < nF; f++, o += HIST_STRIDE) {
        const k = o + (bins[base + f]! << 1);
        hist[k]! += g;
        hist[k + 1]! += h;
      }
    }
    return;
  }
  const nA = feats.length;
  for (let i = start; i < end; i++) {
    const r = idx[i]!;
    const g = grad[r]!, h = hess[r]!;
    const base = r * nF;
    for (let j = 0; j < nA; j++) {
      const f = feats[j]!;
      const k = f * HIST_STRIDE + (bins[base + f]! << 1);
      hist[k]! += g;
      hist[k + 1]! += h;
    }
  }
}

/** parent <- parent - child, for the given features (all when null). */
export function subtractHistogram(parent: Float64Array, child: Float64Array, feats: Int32Array | null, nF: number): void {
  if (feats === null) {
    for (let k = 0, n = nF * HIST_STRIDE; k < n; k++) parent[k]! -= child[k]!;
    return;
  }
  for (let j = 0; j < feats.length; j++) {
    const o = feats[j]! * HIST_STRIDE;
    for (let k = o; k < o + HIST_STRIDE; k++) parent[k]! -= child[k]!;
  }
}

export interface SplitParams {
  lambda: number;
  minChildWeight: number;
  minSplitGain: number;
}

export interface Split {
  gain: number;
  feature: number;
  /** Rows with bin <= bin go left. */
  bin: number;
  defaultLeft: boolean;
  gL: number;
  hL: number;
}

/**
 * Best split of a node with sums (G, H) over the candidate features. XGBoost's gain:
 * 0.5 [GL^2/(HL+l) + GR^2/(HR+l) - G^2/(H+l)]; missing values are tried on both sides and the better
 * side becomes the learned default. Without missing rows in the node, NaN follows the heavier child.
 */
export function bestSplit(
  hist: Float64Array,
  feats: Int32Array,
  nReal: Int32Array,
  G: number,
  H: number,
  p: SplitParams,
): Split | null {
  const { lambda, minChildWeight: mcw } = p;
  const parentScore = (G * G) / (H + lambda);
  let best: Split | null = null;
  let bestGain = Math.max(p.minSplitGain, 1e-12);
  for (let j = 0; j < feats.length; j++) {
    const f = feats[j]!;
    const o = f * HIST_STRIDE;
    const gm = hist[o + 2 * MISSING_BIN]!, hm = hist[o + 2 * MISSING_BIN + 1]!;
    const hasMissing = hm > 0;
    let gl = 0, hl = 0;
    const last = nReal[f]! - 1;
    for (let b = 0; b < last; b++) {
      const hb = hist[o + 2 * b + 1]!;
      // an empty bin moves no row: same candidate as the previous bin (deep nodes have many)
      if (hb === 0 && b > 0) continue;
      gl += hist[o + 2 * b]!;
      hl += hb;
      // missing right
      {
        const hr = H - hl;
        if (hl >= mcw && hr >= mcw) {
          const gr = G - gl;
          const gain = 0.5 * ((gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - parentScore);
          if (gain > bestGain) {
            bestGain = gain;
            best = { gain, feature: f, bin: b, defaultLeft: hasMissing ? false : hl >= hr, gL: gl, hL: hl };
          }
        }
      }
      if (hasMissing) {
        const gl2 = gl + gm, hl2 = hl + hm;
        const hr = H - hl2;
        if (hl2 >= mcw && hr >= mcw) {
          const gr = G - gl2;
          const gain = 0.5 * ((gl2 * gl2) / (hl2 + lambda) + (gr * gr) / (hr + lambda) - parentScore);
          if (gain > bestGain) {
            bestGain = gain;
            best = { gain, feature: f, bin: b, defaultLeft: true, gL: gl2, hL: hl2 };
          }
        }
      }
    }
  }
  return best;
}
