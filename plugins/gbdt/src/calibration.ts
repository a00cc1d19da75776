/**
 * Calibration on the last, time-ordered fold the trees never saw: split-conformal quantiles of the
 * standardised residuals, and Platt scaling of the standardised point forecast into P(return > 0).
 */
import { QUANTILE_LEVELS, type QuantileKey } from '@satcast/core';
import { quantileOf, sigmoid } from './objectives.js';

export const QUANTILE_KEYS = Object.keys(QUANTILE_LEVELS) as QuantileKey[];

export interface Calibration {
  /** Residual quantiles (z - f) per level, non-decreasing in the level. */
  residualQuantiles: Record<QuantileKey, number>;
  /** pUp = sigmoid(a f + b). */
  platt: { a: number; b: number };
  rows: number;
}

export function conformalQuantiles(residuals: Float64Array): Record<QuantileKey, number> {
  const q = {} as Record<QuantileKey, number>;
  for (const k of QUANTILE_KEYS) q[k] = quantileOf(residuals, QUANTILE_LEVELS[k]);
  return q;
}

/**
 * Logistic regression of up (0/1) on f with two parameters, by Newton steps. A small ridge penalty pulls
 * (a, b) to 0 (pUp 0.5) so a fold without signal cannot produce confident probabilities.
 */
export function plattFit(f: Float64Array, up: Uint8Array, ridge = 1): { a: number; b: number } {
  let a = 0, b = 0;
  for (let it = 0; it < 50; it++) {
    let ga = ridge * a, gb = ridge * b, haa = ridge, hab = 0, hbb = ridge;
    for (let i = 0; i < f.length; i++) {
      const p = sigmoid(a * f[i]! + b);
      const d = p - up[i]!;
      const w = p * (1 - p);
      ga += d * f[i]!;
      gb += d;
      haa += w * f[i]! * f[i]!;
      hab += w * f[i]!;
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    if (!(det > 0)) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a -= da;
    b -= db;
    if (Math.abs(da) + Math.abs(db) < 1e-10) break;
  }
  return { a, b };
}
