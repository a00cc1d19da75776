/**
 * Fitting non-negative weights that sum to 1 (the probability simplex) by exponentiated gradient
 * (Kivinen & Warmuth 1997), with an optional free intercept solved exactly at every step (the residual
 * quantile for pinball loss, mean for squared, median for absolute). The loss is piecewise linear for
 * pinball, so the best iterate (lowest in-sample loss) is returned rather than the last one.
 */

import { quantileSelect } from '@satcast/core';

/** Iterations without a relative improvement of 1e-7 in the best loss before stopping early. */
const PATIENCE = 25;

/** Loss of a residual e = target - prediction. */
export type SimplexLoss = { kind: 'pinball'; tau: number } | { kind: 'squared' } | { kind: 'absolute' };

export interface SimplexFit {
  w: number[];
  intercept: number;
  loss: number;
}

function meanLoss(e: Float64Array, c: number, loss: SimplexLoss): number {
  let s = 0;
  const n = e.length;
  if (loss.kind === 'pinball') {
    const t = loss.tau;
    for (let i = 0; i < n; i++) {
      const d = e[i]! - c;
      s += d >= 0 ? t * d : (t - 1) * d;
    }
  } else if (loss.kind === 'squared') for (let i = 0; i < n; i++) s += (e[i]! - c) ** 2;
  else for (let i = 0; i < n; i++) s += Math.abs(e[i]! - c);
  return s / n;
}

/**
 * Weights w on the simplex (and intercept c if asked) minimising mean loss(y - X^T w - c).
 * `X[i]` is member i's prediction per row; all arrays have length n > 0.
 */
export function fitSimplex(X: readonly Float64Array[], y: Float64Array, loss: SimplexLoss, intercept: boolean, iterations = 200): SimplexFit {
  const m = X.length;
  const n = y.length;
  // Row-major copy: the two passes per iteration walk rows, so one contiguous block is cache-friendly.
  const A = new Float64Array(n * m);
  for (let i = 0; i < m; i++) {
    const xi = X[i]!;
    for (let t = 0; t < n; t++) A[t * m + i] = xi[t]!;
  }
  let sinceBest = 0;
  const w = new Float64Array(m).fill(1 / m);
  const e = new Float64Array(n);
  const scratch = new Float64Array(n);
  const g = new Float64Array(m);
  let best: SimplexFit = { w: Array.from(w), intercept: 0, loss: Infinity };
  // Polyak average of the second half of the iterates: EG on a piecewise-linear loss oscillates around
  // the optimum, the average sits closer to it. Evaluated as one extra final iterate.
  const avg = new Float64Array(m);
  let nAvg = 0;
  for (let it = 0; it <= iterations + 1; it++) {
    if (it === iterations + 1) {
      if (nAvg === 0) break;
      for (let i = 0; i < m; i++) w[i] = avg[i]! / nAvg;
    }
    for (let t = 0, o = 0; t < n; t++, o += m) {
      let p = 0;
      for (let i = 0; i < m; i++) p += w[i]! * A[o + i]!;
      e[t] = y[t]! - p;
    }
    let c = 0;
    if (intercept) {
      if (loss.kind === 'pinball') c = quantileSelect(e, loss.tau, scratch);
      else if (loss.kind === 'absolute') c = quantileSelect(e, 0.5, scratch);
      else {
        for (let t = 0; t < n; t++) c += e[t]!;
        c /= n;
      }
    }
    const l = meanLoss(e, c, loss);
    if (l < best.loss * (1 - 1e-7)) sinceBest = 0;
    else sinceBest++;
    if (l < best.loss) best = { w: Array.from(w), intercept: c, loss: l };
    if (it >= iterations || m === 1) break;
    // Converged (no real improvement for PATIENCE steps): the next pass evaluates the averaged iterate.
    if (sinceBest >= PATIENCE) {
      if (nAvg === 0) {
        avg.set(w);
        nAvg = 1;
      }
      it = iterations;
      continue;
    }
    if (it >= iterations / 2) {
      for (let i = 0; i < m; i++) avg[i]! += w[i]!;
      nAvg++;
    }
    // Gradient of the mean loss with respect to w_i: mean over rows of dL/dprediction * X_i.
    g.fill(0);
    for (let t = 0, o = 0; t < n; t++, o += m) {
      const d = e[t]! - c;
      const dl = loss.kind === 'pinball' ? -(loss.tau - (d < 0 ? 1 : 0)) : loss.kind === 'squared' ? -2 * d : -Math.sign(d);
      if (dl === 0) continue;
      for (let i = 0; i < m; i++) g[i]! += dl * A[o + i]!;
    }
    // Scale-free step: only differences between members move the weights; normalise by the largest.
    let gMean = 0;
    for (let i = 0; i < m; i++) gMean += w[i]! * g[i]!;
    let gMax = 0;
    for (let i = 0; i < m; i++) gMax = Math.max(gMax, Math.abs(g[i]! - gMean));
    if (!(gMax > 0)) break;
    const step = 2 / Math.sqrt(it + 1);
    let sum = 0;
    for (let i = 0; i < m; i++) {
      w[i] = w[i]! * Math.exp((-step * (g[i]! - gMean)) / gMax);
      sum += w[i]!;
    }
    for (let i = 0; i < m; i++) w[i] = Math.max(w[i]! / sum, 1e-12);
  }
  return best;
}
