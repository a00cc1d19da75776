/**
 * Calibration on the held-out, most recent fold (split conformal, no shuffling):
 * - the band: empirical quantiles of standardised residuals e = z - zHat, so the interval at a row is
 *   point + sigma_h * q_k(e), wider when volatility is high;
 * - pUp: Platt scaling, P(y > 0) = 1 / (1 + exp(-(a * zHat + b))), fitted by Newton's method on the
 *   fold with Platt's smoothed targets ((N+ + 1) / (N+ + 2) and 1 / (N- + 2)) so a small or separable
 *   fold cannot produce certainty.
 */
import { QUANTILE_LEVELS, quantileSorted, sortedFinite, type QuantileKey } from '@satcast/core';

export const QUANTILE_KEYS = Object.keys(QUANTILE_LEVELS) as QuantileKey[];

export function residualQuantiles(z: ArrayLike<number>, zHat: ArrayLike<number>): Record<QuantileKey, number> {
  const e: number[] = [];
  for (let i = 0; i < z.length; i++) e.push(z[i]! - zHat[i]!);
  const sorted = sortedFinite(e);
  const q = {} as Record<QuantileKey, number>;
  for (const k of QUANTILE_KEYS) q[k] = quantileSorted(sorted, QUANTILE_LEVELS[k]);
  return q;
}

export interface Platt {
  a: number;
  b: number;
  /** Range of scores pUp is evaluated on (scores outside are clamped to it). */
  zMin?: number;
  zMax?: number;
}

export const sigmoid = (t: number): number => (t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t)));

/** Fit Platt's a, b on scores s and outcomes up (1 = the return was > 0). */
export function fitPlatt(s: ArrayLike<number>, up: ArrayLike<number>): Platt {
  const n = s.length;
  let nPos = 0;
  for (let i = 0; i < n; i++) nPos += up[i]! > 0 ? 1 : 0;
  const nNeg = n - nPos;
  const tPos = (nPos + 1) / (nPos + 2);
  const tNeg = 1 / (nNeg + 2);
  let a = 0;
  let b = Math.log((nPos + 1) / (nNeg + 1));
  // A tiny ridge on a keeps the Hessian invertible when every score is equal.
  const lambda = 1e-6;
  for (let it = 0; it < 100; it++) {
    let ga = lambda * a, gb = 0, haa = lambda, hab = 0, hbb = 0;
    for (let i = 0; i < n; i++) {
      const p = sigmoid(a * s[i]! + b);
      const t = up[i]! > 0 ? tPos : tNeg;
      const w = Math.max(p * (1 - p), 1e-12);
      ga += (p - t) * s[i]!;
      gb += p - t;
      haa += w * s[i]! * s[i]!;
      hab += w * s[i]!;
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    if (!(det > 0)) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a -= da;
    b -= db;
    if (Math.abs(da) + Math.abs(db) < 1e-12) break;
  }
  const sorted = sortedFinite(Array.from(s));
  return { a, b, zMin: quantileSorted(sorted, 0.005), zMax: quantileSorted(sorted, 0.995) };
}
