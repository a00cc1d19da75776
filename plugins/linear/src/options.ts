/**
 * Options of the two linear model plugins (strict: a misspelt option is a config error, not ignored).
 * Defaults read a small set of features the `ta` plugin produces with its default options.
 */
import { z } from 'zod';

/** Returns over 1 h .. 1 week, RSI, EWMA volatility and the short/long volatility ratio (all from `ta`). */
export const DEFAULT_INPUTS = ['logret_1', 'logret_4', 'logret_24', 'logret_168', 'rsi_14', 'ewma_vol', 'vol_ratio_24_168'] as const;

const base = {
  /** Feature names the regression reads, in this order (also the column order of the ONNX input). */
  inputs: z.array(z.string().min(1)).min(1).max(512).default([...DEFAULT_INPUTS]),
  /** One-bar volatility feature: sigma_h = vol * sqrt(horizon / barMs) scales the target and the band. */
  volFeature: z.string().min(1).default('ewma_vol'),
  /** Bar length of the feature rows, ms (volatility is per bar). */
  barMs: z.number().int().positive().default(3_600_000),
  /** Most recent usable training rows (known target, positive volatility) that fit() reads. */
  maxTrainRows: z.number().int().min(250).max(5_000_000).default(20_000),
  /** Share of those rows, the most recent ones, held out to calibrate the band and pUp (split conformal). */
  calibrationFraction: z.number().min(0.05).max(0.5).default(0.2),
  /**
   * Standardised inputs are clipped to [-clip, clip]: one extreme bar (a 7-sigma hourly crash) then
   * moves the forecast like a 5-sigma one, bounding the leverage that Huber's loss does not cover.
   */
  clip: z.number().positive().max(1e6).default(5),
  /** L2 penalty on the standardised coefficients (sum-of-squares scale, as scikit-learn's Ridge). */
  alpha: z.number().min(0).max(1e9).default(1),
  /** First step size of `partialFit` (mini-batch SGD with momentum 0.9, step x 0.95 per batch of 100). */
  learningRate: z.number().positive().max(10).default(0.02),
};

export const ridgeOptionsSchema = z.strictObject(base);
export type RidgeOptions = z.output<typeof ridgeOptionsSchema>;

export const huberOptionsSchema = z.strictObject({
  ...base,
  /** Huber threshold in robust-scale units: residuals beyond delta * scale get linear, not squared, loss. */
  delta: z.number().positive().max(100).default(1.345),
  /** IRLS iteration cap (it usually converges in 10-30). */
  maxIter: z.number().int().min(1).max(1000).default(100),
});
export type HuberOptions = z.output<typeof huberOptionsSchema>;

/** What the model code reads: the ridge options, plus Huber's when the loss is Huber. */
export type LinearOptions = RidgeOptions & Partial<Pick<HuberOptions, 'delta' | 'maxIter'>>;
