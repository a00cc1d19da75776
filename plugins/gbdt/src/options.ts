/**
 * Option schemas of the `gbdt` and `forest` model plugins (zod, strict). Shared fields describe the data
 * (inputs, volatility feature, bar length, calibration fold); tree fields map one-to-one onto
 * `GbdtParams` / `ForestParams`.
 */
import { z } from 'zod';

/** Scale-free technical features of the `ta` plugin (its default options compute all of them). */
export const DEFAULT_INPUTS = [
  'logret_1', 'logret_4', 'logret_12', 'logret_24', 'logret_72', 'logret_168',
  'logret_1_lag_1', 'logret_1_lag_2', 'oc_ret', 'open_gap',
  'rv_24', 'rv_168', 'ewma_vol', 'hl_range', 'parkinson_vol_24', 'garman_klass_vol_24', 'vol_ratio_24_168', 'natr_14',
  'bb_pctb_20', 'bb_width_20', 'dc_pos_20', 'dc_pos_55',
  'sma_20_dist', 'sma_50_dist', 'sma_200_dist', 'ema_12_dist', 'sma_50_200_spread',
  'rsi_14', 'stoch_k_14', 'willr_14', 'cci_20', 'macd_hist_norm', 'adx_14', 'plus_di_14', 'minus_di_14',
  'mfi_14', 'cmf_20', 'obv_slope_24', 'volume_z_24', 'volume_rel_24',
  'ret_skew_168', 'ret_kurt_168', 'ret_z_24', 'close_pos', 'gap_hours_24',
] as const;

const common = {
  /** Feature names the trees read (NaN allowed: trees learn a direction for missing values). */
  inputs: z.array(z.string().min(1)).min(1).default([...DEFAULT_INPUTS]),
  /** One-bar volatility feature; sigma_h = vol * sqrt(horizon / bar) standardises the target. */
  volFeature: z.string().min(1).default('ewma_vol'),
  /** Bar length of the feature rows, ms. */
  barMs: z.number().int().positive().default(3_600_000),
  /** Most recent usable rows (finite target and volatility) to learn from. */
  maxTrainRows: z.number().int().min(200).max(5_000_000).default(20_000),
  /** Last fraction of the usable rows kept for split-conformal quantiles and Platt pUp, never for trees. */
  calibrationFraction: z.number().min(0.05).max(0.5).default(0.2),
  /** Standardised targets are clipped to +-targetClip for the trees (not for calibration): fat tails. */
  targetClip: z.number().positive().default(8),
  /** serialize() format: ONNX model with a calibration sidecar in metadata_props, or JSON. */
  format: z.enum(['onnx', 'json']).default('onnx'),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
  maxBins: z.number().int().min(2).max(255).default(255),
};

export const gbdtOptionsSchema = z.strictObject({
  ...common,
  /**
   * 'median' fits the conditional median of the standardised return (pinball 0.5): the point that
   * minimises MAE, and on BTC it beat 'l2' (the conditional mean) in MAE skill at every horizon (README).
   */
  objective: z.enum(['l2', 'median']).default('median'),
  nEstimators: z.number().int().min(1).max(10_000).default(500),
  learningRate: z.number().gt(0).max(1).default(0.03),
  growPolicy: z.enum(['depthwise', 'leafwise']).default('depthwise'),
  maxDepth: z.number().int().min(1).max(32).default(3),
  maxLeaves: z.number().int().min(0).max(65_536).default(0),
  minChildWeight: z.number().min(0).default(100),
  lambda: z.number().min(0).default(10),
  minSplitGain: z.number().min(0).default(0),
  subsample: z.number().gt(0).max(1).default(0.8),
  colsampleByTree: z.number().gt(0).max(1).default(0.8),
  /** Last fraction of the tree rows for early stopping (time-ordered, after a horizon-long gap). */
  validationFraction: z.number().min(0.05).max(0.5).default(0.2),
  earlyStoppingRounds: z.number().int().min(1).default(50),
});
export type GbdtOptions = z.output<typeof gbdtOptionsSchema>;

export const forestOptionsSchema = z.strictObject({
  ...common,
  nTrees: z.number().int().min(1).max(5_000).default(150),
  maxDepth: z.number().int().min(1).max(32).default(8),
  maxLeaves: z.number().int().min(0).max(65_536).default(0),
  /** Minimum rows per leaf. */
  minChildWeight: z.number().min(1).default(100),
  colsampleByNode: z.number().gt(0).max(1).default(0.33),
  sampleFraction: z.number().gt(0).max(1).default(0.5),
  lambda: z.number().min(0).default(0),
});
export type ForestOptions = z.output<typeof forestOptionsSchema>;
