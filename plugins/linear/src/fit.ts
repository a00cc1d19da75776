/**
 * The two estimators on a standardised design with a volatility-scaled target.
 *
 * - Ridge: closed form, `(X'X + alpha I) w = X'y` by Cholesky, intercept unpenalised.
 * - Huber: iteratively reweighted least squares (IRLS) on the same penalised problem with weights
 *   psi(u)/u = min(1, delta/|u|), u = r / s, and the scale s re-estimated each iteration as
 *   MAD(r) / 0.6745 (as statsmodels' RLM with `scale_est='mad'`). A few huge returns (exchange outages,
 *   liquidation cascades) then pull the fit by delta * s each, not by their square: the "shock model".
 */
import { linearPredict, median, weightedRidge, type Design } from './linalg.js';

export interface LinearFit {
  intercept: number;
  coef: number[];
  /** Robust residual scale (Huber) or residual RMS (ridge), in target units. */
  scale: number;
  iterations: number;
}

function split(sol: Float64Array): { intercept: number; coef: number[] } {
  return { intercept: sol[0]!, coef: Array.from(sol.subarray(1)) };
}

export function fitRidge(d: Design, y: Float64Array, alpha: number): LinearFit {
  const { intercept, coef } = split(weightedRidge(d, y, undefined, alpha));
  const pred = linearPredict(d, coef, intercept);
  let ss = 0;
  for (let i = 0; i < d.n; i++) ss += (y[i]! - pred[i]!) ** 2;
  return { intercept, coef, scale: Math.sqrt(ss / Math.max(1, d.n)), iterations: 1 };
}

/** MAD / 0.6745: a consistent estimate of sigma for Gaussian residuals, unmoved by a few outliers. */
export function madScale(r: ArrayLike<number>): number {
  const med = median(r);
  const abs = new Float64Array(r.length);
  for (let i = 0; i < r.length; i++) abs[i] = Math.abs(r[i]! - med);
  return median(abs) / 0.6744897501960817;
}

export function fitHuber(d: Design, y: Float64Array, alpha: number, delta: number, maxIter: number): LinearFit {
  let sol = weightedRidge(d, y, undefined, alpha);
  let scale = 1;
  const wt = new Float64Array(d.n);
  let it = 0;
  for (; it < maxIter; it++) {
    const pred = linearPredict(d, sol.subarray(1), sol[0]!);
    const r = new Float64Array(d.n);
    for (let i = 0; i < d.n; i++) r[i] = y[i]! - pred[i]!;
    const s = madScale(r);
    // A degenerate scale (more than half the residuals identical) would make every weight 0 or 1 by
    // accident; keep the last usable one.
    if (s > 1e-12) scale = s;
    for (let i = 0; i < d.n; i++) {
      const u = Math.abs(r[i]!) / scale;
      wt[i] = u <= delta ? 1 : delta / u;
    }
    const next = weightedRidge(d, y, wt, alpha);
    let change = 0, size = 0;
    for (let j = 0; j < next.length; j++) {
      change = Math.max(change, Math.abs(next[j]! - sol[j]!));
      size = Math.max(size, Math.abs(next[j]!));
    }
    sol = next;
    if (change <= 1e-10 * Math.max(1, size)) {
      it++;
      break;
    }
  }
  return { ...split(sol), scale, iterations: it };
}
