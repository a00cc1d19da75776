import { z } from 'zod';
import { HorizonSchema } from '../time.js';

const price = z.number().finite().positive();

export const QuantilesSchema = z
  .object({ p05: price, p25: price, p50: price, p75: price, p95: price })
  .refine((q) => q.p05 <= q.p25 && q.p25 <= q.p50 && q.p50 <= q.p75 && q.p75 <= q.p95, {
    message: 'quantiles must be non-decreasing (p05 <= p25 <= p50 <= p75 <= p95)',
  });
export type Quantiles = z.infer<typeof QuantilesSchema>;
export const QUANTILE_LEVELS = { p05: 0.05, p25: 0.25, p50: 0.5, p75: 0.75, p95: 0.95 } as const;
export type QuantileKey = keyof typeof QUANTILE_LEVELS;

/**
 * A forecast of `asset` price at `targetTime` issued at `issuedAt`.
 * - `point`: price point forecast (shrunk toward the last price when `conservative`);
 * - `quantiles`: price quantiles; [p05, p95] is the 90% prediction interval;
 * - `pUp`: calibrated probability that the price at targetTime exceeds the price at issuedAt;
 * - `confidence`: calibrated probability of the predicted direction, max(pUp, 1 - pUp);
 * - `conservative`: true when confidence is below the configured threshold.
 */
export const PredictionSchema = z
  .object({
    asset: z.string().min(1),
    horizon: HorizonSchema,
    issuedAt: z.number().int().nonnegative(),
    targetTime: z.number().int().nonnegative(),
    /** Last observed price when the prediction was issued (the persistence forecast). */
    lastPrice: price,
    point: price,
    quantiles: QuantilesSchema,
    pUp: z.number().min(0).max(1),
    confidence: z.number().min(0).max(1),
    conservative: z.boolean(),
    modelVersion: z.string().min(1),
    metadata: z.record(z.string(), z.unknown()).default({}),
  })
  .refine((p) => p.targetTime > p.issuedAt, {
    path: ['targetTime'],
    message: 'targetTime must be after issuedAt',
  });
export type Prediction = z.infer<typeof PredictionSchema>;

/** A prediction's realized outcome, written once its target time has passed. */
export const OutcomeSchema = z.object({
  asset: z.string().min(1),
  horizon: HorizonSchema,
  issuedAt: z.number().int().nonnegative(),
  modelVersion: z.string().min(1),
  targetTime: z.number().int().nonnegative(),
  realized: price,
  absError: z.number().nonnegative(),
  persistenceAbsError: z.number().nonnegative(),
  covered90: z.boolean(),
  upActual: z.boolean(),
  pinball: z.number().nonnegative(),
  scoredAt: z.number().int().nonnegative(),
});
export type Outcome = z.infer<typeof OutcomeSchema>;
