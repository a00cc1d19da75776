/**
 * Online updates between refits: mini-batch SGD with momentum on the same loss the model was fitted
 * with (squared for ridge, Huber with the fitted robust scale for huber), in the fitted standardised
 * space. Batches of 100 rows in time order (never shuffled: the newest rows come last on purpose),
 * momentum 0.9, the step multiplied by 0.95 after every batch, so a long stream of updates converges
 * instead of chasing noise. The standardisation and the calibration stay as fitted; a refit renews them.
 */
import type { Design } from './linalg.js';

export const ONLINE_BATCH = 100;
export const ONLINE_MOMENTUM = 0.9;
export const ONLINE_DECAY = 0.95;

export interface OnlineState {
  /** Step size of the next batch. */
  lr: number;
  /** Momentum of [intercept, coef...]. */
  velocity: number[];
  /** Batches applied since the last fit. */
  batches: number;
}

export interface OnlineLoss {
  kind: 'squared' | 'huber';
  /** Huber: threshold and residual scale. */
  delta?: number;
  scale?: number;
  /** L2 penalty per row (alpha / fitted rows), so the online objective matches the batch one. */
  l2: number;
}

/** Derivative of the per-row loss w.r.t. the prediction, times -1 (the "pseudo-residual"). */
function psi(r: number, loss: OnlineLoss): number {
  if (loss.kind === 'squared') return r;
  const s = loss.scale!, c = loss.delta! * s;
  return r > c ? c : r < -c ? -c : r;
}

/** Apply SGD batches to params = [intercept, coef...] in place; returns the state after them. */
export function sgdUpdate(params: Float64Array, d: Design, y: ArrayLike<number>, loss: OnlineLoss, state: OnlineState): OnlineState {
  const m = d.p + 1;
  const v = Float64Array.from(state.velocity.length === m ? state.velocity : new Array<number>(m).fill(0));
  const g = new Float64Array(m);
  let lr = state.lr;
  let batches = state.batches;
  for (let start = 0; start < d.n; start += ONLINE_BATCH) {
    const end = Math.min(d.n, start + ONLINE_BATCH);
    g.fill(0);
    for (let i = start; i < end; i++) {
      let pred = params[0]!;
      for (let j = 0; j < d.p; j++) pred += params[j + 1]! * d.x[i * d.p + j]!;
      const r = -psi(y[i]! - pred, loss);
      g[0] += r;
      for (let j = 0; j < d.p; j++) g[j + 1] += r * d.x[i * d.p + j]!;
    }
    const nb = end - start;
    for (let j = 0; j < m; j++) {
      const grad = g[j]! / nb + (j > 0 ? loss.l2 * params[j]! : 0);
      v[j] = ONLINE_MOMENTUM * v[j]! - lr * grad;
      params[j] += v[j]!;
    }
    lr *= ONLINE_DECAY;
    batches++;
  }
  return { lr, velocity: Array.from(v), batches };
}
