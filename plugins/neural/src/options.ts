/**
 * Options of the `lstm` and `transformer` plugins (zod, strict: a misspelt option is a config error).
 * Shared fields describe the data, the folds and the optimiser; each plugin adds its architecture.
 */
import { z } from 'zod';

/**
 * Twelve scale-free `ta` features (its default options compute all of them): recent returns, the bar's
 * shape, volatility level and regime, volume, and two oscillators. A sequence model sees each of them over
 * the last `sequenceLength` bars, so lags need not be listed as separate features.
 */
export const DEFAULT_INPUTS = [
  'logret_1', 'logret_4', 'logret_24', 'oc_ret', 'hl_range', 'close_pos',
  'ewma_vol', 'rv_24', 'vol_ratio_24_168', 'volume_z_24', 'rsi_14', 'bb_pctb_20',
] as const;

/** Default window length (bars); also `capabilities.sequenceLength` of both plugins. */
export const DEFAULT_SEQUENCE_LENGTH = 24;

const common = {
  /** Feature names read per bar, in this order (the last axis of the ONNX input). */
  inputs: z.array(z.string().min(1)).min(1).max(256).default([...DEFAULT_INPUTS]),
  /** One-bar volatility feature; sigma_h = vol * sqrt(horizon / bar) standardises the target. */
  volFeature: z.string().min(1).default('ewma_vol'),
  /** Bar length of the rows, ms: rows one bar apart form a window. */
  barMs: z.number().int().positive().default(3_600_000),
  /** Bars per window (the forecast row and the sequenceLength - 1 before it). */
  sequenceLength: z.number().int().min(1).max(512).default(DEFAULT_SEQUENCE_LENGTH),
  /** Most recent usable rows (finite target and volatility) fit() reads. */
  maxTrainRows: z.number().int().min(300).max(1_000_000).default(20_000),
  /** Newest share of those rows: split-conformal quantiles and Platt pUp only, never gradient steps. */
  calibrationFraction: z.number().min(0.05).max(0.5).default(0.2),
  /** Newest share of the rows before calibration: early-stopping validation (after a one-horizon gap). */
  validationFraction: z.number().min(0.05).max(0.5).default(0.2),
  /** Standardised targets are clipped to +-targetClip for training (not for calibration). */
  targetClip: z.number().positive().max(1e3).default(8),
  /** Standardised inputs are clipped to +-clip (bounds the leverage of one extreme bar). */
  clip: z.number().positive().max(1e6).default(5),
  /** Training loss on the standardised target. */
  loss: z.enum(['mse', 'huber']).default('huber'),
  /** Huber threshold in standardised units. */
  huberDelta: z.number().positive().max(100).default(1.345),
  /** Epoch cap; training stops earlier when validation loss has not improved for `patience` epochs. */
  epochs: z.number().int().min(1).max(1000).default(20),
  patience: z.number().int().min(1).max(1000).default(3),
  batchSize: z.number().int().min(1).max(4096).default(64),
  learningRate: z.number().gt(0).max(1).default(0.002),
  /** Decoupled (AdamW) weight decay per step, relative to the learning rate. */
  weightDecay: z.number().min(0).max(1).default(1e-4),
  /** Seed of the initial weights and the minibatch shuffling. */
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
  /** serialize() format: ONNX (graph + metadata, see README) or JSON. */
  format: z.enum(['onnx', 'json']).default('onnx'),
};

export const lstmOptionsSchema = z.strictObject({
  ...common,
  /** Hidden units of the single LSTM layer. */
  hidden: z.number().int().min(1).max(256).default(16),
});
export type LstmOptions = z.output<typeof lstmOptionsSchema>;

export const transformerOptionsSchema = z
  .strictObject({
    ...common,
    /** Width of the encoder (the input projection's output). */
    dModel: z.number().int().min(2).max(256).default(16),
    /** Attention heads (dModel must be divisible by it). */
    heads: z.union([z.literal(1), z.literal(2)]).default(2),
    /** Hidden width of the feed-forward block. */
    ffn: z.number().int().min(1).max(1024).default(32),
    /** Summary of the encoded window fed to the head: mean over its bars, or the newest bar. */
    pooling: z.enum(['mean', 'last']).default('mean'),
    /** Positional encoding added after the input projection. */
    positional: z.enum(['learned', 'sinusoidal']).default('learned'),
  })
  .refine((o) => o.dModel % o.heads === 0, { message: 'dModel must be divisible by heads', path: ['dModel'] });
export type TransformerOptions = z.output<typeof transformerOptionsSchema>;

/** What the shared code reads. */
export type NeuralOptions = z.output<z.ZodObject<typeof common>>;
