/**
 * Scoring of a prediction against the realised price, shared by live scoring, backtests and model cards
 * so every number is computed one way.
 */
import type { Outcome, Prediction, QuantileKey } from './schemas/prediction.js';
import { QUANTILE_LEVELS } from './schemas/prediction.js';

/** Pinball (quantile) loss of one quantile forecast. */
export function pinballLoss(level: number, forecast: number, actual: number): number {
  const d = actual - forecast;
  return d >= 0 ? level * d : (level - 1) * d;
}

/** Mean pinball loss over p05..p95, in price units. */
export function meanPinball(quantiles: Record<QuantileKey, number>, actual: number): number {
  const keys = Object.keys(QUANTILE_LEVELS) as QuantileKey[];
  let s = 0;
  for (const k of keys) s += pinballLoss(QUANTILE_LEVELS[k], quantiles[k], actual);
  return s / keys.length;
}

/** Score a prediction once the price at its target time is known. */
export function scorePrediction(p: Prediction, realized: number, scoredAt: number): Outcome {
  return {
    asset: p.asset,
    horizon: p.horizon,
    issuedAt: p.issuedAt,
    modelVersion: p.modelVersion,
    targetTime: p.targetTime,
    realized,
    absError: Math.abs(realized - p.point),
    persistenceAbsError: Math.abs(realized - p.lastPrice),
    covered90: realized >= p.quantiles.p05 && realized <= p.quantiles.p95,
    upActual: realized > p.lastPrice,
    pinball: meanPinball(p.quantiles, realized),
    scoredAt,
  };
}
