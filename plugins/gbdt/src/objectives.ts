/**
 * Training objectives: gradients/hessians of the loss at the current raw prediction, the starting score
 * and the evaluation loss used for early stopping. Quantile (pinball) leaves are refitted to the alpha
 * quantile of their residuals (as LightGBM does), because its hessian carries no curvature.
 */
import { quantileSelect } from '@satcast/core';

export type ObjectiveName = 'l2' | 'quantile' | 'logistic';

export interface Objective {
  name: ObjectiveName;
  /** Fill grad/hess at rows (all rows of y). */
  gradients(y: Float64Array, pred: Float64Array, grad: Float64Array, hess: Float64Array): void;
  /** Starting raw score from the training targets. */
  baseScore(y: Float64Array, rows: ArrayLike<number>): number;
  /** Mean loss of raw predictions over rows. */
  loss(y: Float64Array, pred: Float64Array, rows: ArrayLike<number>): number;
  /** Alpha for leaf refits (quantile only). */
  alpha?: number;
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/**
 * Linear-interpolated quantile (type 7) of the values, by quickselect on a copy (core's quantileSelect):
 * leaf refits of the quantile objective call it for every leaf of every tree, where a full sort would dominate.
 */
export function quantileOf(values: Float64Array, alpha: number): number {
  return values.length === 0 ? 0 : quantileSelect(values, alpha);
}

const pick = (y: Float64Array, rows: ArrayLike<number>) => Float64Array.from({ length: rows.length }, (_, i) => y[rows[i]!]!);

export function objective(name: ObjectiveName, alpha = 0.5): Objective {
  switch (name) {
    case 'l2':
      return {
        name,
        gradients(y, pred, g, h) {
          for (let i = 0; i < y.length; i++) (g[i] = pred[i]! - y[i]!, h[i] = 1);
        },
        baseScore: (y, rows) => pick(y, rows).reduce((s, v) => s + v, 0) / Math.max(1, rows.length),
        loss(y, pred, rows) {
          let s = 0;
          for (let i = 0; i < rows.length; i++) s += (pred[rows[i]!]! - y[rows[i]!]!) ** 2;
          return s / Math.max(1, rows.length);
        },
      };
    case 'quantile':
      return {
        name,
        alpha,
        gradients(y, pred, g, h) {
          for (let i = 0; i < y.length; i++) (g[i] = y[i]! < pred[i]! ? 1 - alpha : -alpha, h[i] = 1);
        },
        baseScore: (y, rows) => quantileOf(pick(y, rows), alpha),
        loss(y, pred, rows) {
          let s = 0;
          for (let i = 0; i < rows.length; i++) {
            const d = y[rows[i]!]! - pred[rows[i]!]!;
            s += d >= 0 ? alpha * d : (alpha - 1) * d;
          }
          return s / Math.max(1, rows.length);
        },
      };
    case 'logistic':
      return {
        name,
        gradients(y, pred, g, h) {
          for (let i = 0; i < y.length; i++) {
            const p = sigmoid(pred[i]!);
            g[i] = p - y[i]!;
            h[i] = Math.max(p * (1 - p), 1e-16);
          }
        },
        baseScore(y, rows) {
          const m = Math.min(1 - 1e-6, Math.max(1e-6, pick(y, rows).reduce((s, v) => s + v, 0) / Math.max(1, rows.length)));
          return Math.log(m / (1 - m));
        },
        loss(y, pred, rows) {
          let s = 0;
          for (let i = 0; i < rows.length; i++) {
            const z = pred[rows[i]!]!, t = y[rows[i]!]!;
            // log(1 + e^z) - t z, computed stably
            s += Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))) - t * z;
          }
          return s / Math.max(1, rows.length);
        },
      };
  }
}
