import type { QuantileKey } from '../schemas/prediction.js';
import type { Horizon } from '../time.js';
import type { PluginBase } from './common.js';

/**
 * Rows for training. Row i is "as of" `times[i]` (when all its features were public); `target[i]` is the
 * realised log return from times[i] to times[i] + horizon, or NaN when not yet known. The host only
 * passes rows whose target was public before the fit time, so a model cannot see the future.
 */
export interface TrainingSet {
  readonly horizon: Horizon;
  readonly times: Float64Array;
  readonly features: Readonly<Record<string, Float64Array>>;
  readonly target: Float64Array;
}

export interface PredictInput {
  readonly horizon: Horizon;
  readonly times: Float64Array;
  readonly features: Readonly<Record<string, Float64Array>>;
  /**
   * The rows immediately before the first input row (oldest first, same feature names), for sequence
   * models (`capabilities.sequenceLength` > 1). The host passes up to `sequenceLength - 1` of them when
   * that much history exists; a model must still answer without it (e.g. by imputing), never fail.
   */
  readonly context?: SequenceContext;
}

/** Earlier rows a sequence model reads before the first input row. */
export interface SequenceContext {
  readonly times: Float64Array;
  readonly features: Readonly<Record<string, Float64Array>>;
}

/** A forecast of the log return over the horizon. Quantiles are log-return quantiles (non-decreasing). */
export interface ReturnForecast {
  /** Point forecast of the log return (the model chooses its centre, e.g. the median, which minimises MAE). */
  point: number;
  quantiles: Record<QuantileKey, number>;
  /** Probability the return is > 0, calibrated by the model on past data. */
  pUp: number;
  /** Optional model-specific explanation carried into prediction metadata. */
  info?: Record<string, unknown>;
}

export interface SerializedModel {
  format: 'json' | 'onnx';
  bytes: Uint8Array;
}

/** One fitted model for one horizon. */
export interface Model {
  fit(train: TrainingSet): void | Promise<void>;
  /** One forecast per input row, in order; inputs must not be mutated. */
  predict(input: PredictInput): ReturnForecast[] | Promise<ReturnForecast[]>;
  serialize(): SerializedModel;
}

export interface ModelCapabilities {
  horizons: readonly Horizon[];
  /** Formats `serialize` can produce; `onnx` means runtimes other than this plugin can serve it. */
  formats: readonly ('json' | 'onnx')[];
  /** Whether a refit is cheap enough to run on every bar (e.g. baselines). */
  cheapRefit: boolean;
  /**
   * Bars of input a forecast reads (the row itself plus `sequenceLength - 1` earlier rows passed as
   * `PredictInput.context`); 1 or absent for row-wise models.
   */
  sequenceLength?: number;
}

export interface ModelDefinition<Options> extends PluginBase<'model', Options, Model> {
  readonly capabilities: ModelCapabilities;
  /** Feature names the model reads (`inputs(options)`); the host refuses to run it if one is missing. */
  inputs(options: Options): string[];
  /** Rebuild a model from `serialize()` output; predicts exactly as before. */
  load(serialized: SerializedModel, options: Options): Model | Promise<Model>;
}

/**
 * Define a model plugin.
 * @example
 * export default defineModel({
 *   name: 'zero', apiVersion: 1, optionsSchema: z.object({}),
 *   capabilities: { horizons: ['1h'], formats: ['json'], cheapRefit: true },
 *   inputs: () => [], create: () => zeroModel(), load: () => zeroModel(),
 * });
 */
export function defineModel<Options>(def: Omit<ModelDefinition<Options>, 'kind'>): ModelDefinition<Options> {
  return Object.freeze({ ...def, kind: 'model' as const });
}

/**
 * The `context` a host passes a sequence model for rows starting at `first`: the up to `length - 1` rows
 * before it, read from full feature columns (oldest first); `timeOf(row)` is that row's as-of time. Undefined for row-wise models (length <= 1)
 * or when there is no earlier row.
 * @example
 * model.predict({ horizon, times, features, context: sequenceContext(cols, (i) => openTime[i] + bar, inputs, first, caps.sequenceLength) })
 */
export function sequenceContext(
  cols: Readonly<Record<string, ArrayLike<number>>>,
  timeOf: (row: number) => number,
  inputs: readonly string[],
  first: number,
  length: number | undefined,
): SequenceContext | undefined {
  const lo = Math.max(0, first - Math.max(0, (length ?? 1) - 1));
  if (lo >= first) return undefined;
  const slice = (a: ArrayLike<number>) => Float64Array.from({ length: first - lo }, (_, k) => a[lo + k]!);
  const features: Record<string, Float64Array> = {};
  for (const name of inputs) {
    const c = cols[name];
    if (c) features[name] = slice(c);
  }
  return { times: Float64Array.from({ length: first - lo }, (_, k) => timeOf(lo + k)), features };
}
