/**
 * Turning a model's log-return forecast into the public `Prediction`. Confidence is the calibrated
 * probability of the predicted direction, max(pUp, 1 - pUp). Below the threshold the prediction is
 * flagged `conservative` and its point is shrunk toward the last price (persistence): linearly, from no
 * shrink at the threshold to full persistence at a coin flip.
 */
import { HORIZON_MS, PredictionSchema, QUANTILE_LEVELS, type Horizon, type Prediction, type QuantileKey, type ReturnForecast } from '@satcast/core';

export interface ForecastContext {
  asset: string;
  horizon: Horizon;
  /** When every input was public: the close of the last bar. */
  issuedAt: number;
  lastPrice: number;
  modelId: string;
  modelVersion: string;
  confidenceThreshold: number;
  /** Model inputs that are missing (non-finite) on the row predicted from. */
  missingInputs?: readonly string[];
}

export function toPrediction(f: ReturnForecast, c: ForecastContext): Prediction {
  const confidence = Math.max(f.pUp, 1 - f.pUp);
  const missing = c.missingInputs ?? [];
  // A forecast from a row with missing inputs is never trusted: conservative, point at the last price.
  const conservative = confidence < c.confidenceThreshold || missing.length > 0;
  const shrink = missing.length ? 0 : conservative ? Math.min(1, Math.max(0, (confidence - 0.5) / (c.confidenceThreshold - 0.5))) : 1;
  const quantiles = {} as Record<QuantileKey, number>;
  for (const k of Object.keys(QUANTILE_LEVELS) as QuantileKey[]) quantiles[k] = c.lastPrice * Math.exp(f.quantiles[k]);
  const degenerate = quantiles.p95 - quantiles.p05 <= 0;
  return PredictionSchema.parse({
    asset: c.asset,
    horizon: c.horizon,
    issuedAt: c.issuedAt,
    targetTime: c.issuedAt + HORIZON_MS[c.horizon],
    lastPrice: c.lastPrice,
    point: c.lastPrice * Math.exp(f.point * shrink),
    quantiles,
    pUp: f.pUp,
    confidence,
    conservative,
    modelVersion: c.modelVersion,
    metadata: {
      model: c.modelId,
      confidenceThreshold: c.confidenceThreshold,
      ...(conservative
        ? { conservativeReason: missing.length ? `missing inputs: ${missing.join(', ')}` : `confidence ${confidence.toFixed(3)} < ${c.confidenceThreshold}`, pointShrink: shrink }
        : {}),
      ...(missing.length ? { missingInputs: [...missing] } : {}),
      ...(degenerate ? { degraded: 'no usable volatility estimate; band collapsed to the last price' } : {}),
      ...(f.info ?? {}),
    },
  });
}
