import type { CandleFrame, Candle } from '../schemas/candle.js';
import type { FeatureInfo } from '../schemas/feature.js';
import type { Interval } from '../time.js';
import type { AlignedInputs, AlignedRow } from '../pit.js';
import type { PluginBase } from './common.js';

export type FeatureInput =
  | { kind: 'candles'; interval: Interval }
  | { kind: 'observations'; source: string; series: string };

/** Feature columns aligned with the input frame's rows; NaN where a value is not defined (warm-up, gaps). */
export type FeatureColumns = Record<string, Float64Array>;

/**
 * Streaming form: fed one closed bar at a time, bounded memory, same numbers as `batch`. Sets with
 * observation inputs also get that bar's point-in-time row (see `AlignedRow` in pit.ts), the same values
 * the host gives `batch` at that row.
 */
export interface IncrementalFeatures {
  update(candle: Candle, inputs?: AlignedRow): Record<string, number>;
}

export interface FeatureSet {
  /**
   * Row i of each output column may depend only on rows 0..i of the input (no look-ahead): it is the
   * feature as of the close of candle i.
   *
   * `inputs` holds every declared `observations` input, joined point-in-time by the host (core's
   * `alignInputs`): keyed `source:series`, value and age aligned to the rows as of each bar's close, using
   * only observations with availableAt <= that close. Candle-only sets ignore it.
   */
  batch(frame: CandleFrame, inputs?: AlignedInputs): FeatureColumns;
  incremental(): IncrementalFeatures;
}

export interface FeatureSetDefinition<Options> extends PluginBase<'features', Options, FeatureSet> {
  readonly inputs: readonly FeatureInput[];
  /** Bars needed before every output is defined (warm-up). */
  lookback(options: Options): number;
  /** Delay between a period's end and its data's publication, in ms (0 for candles). */
  readonly publicationLag: number;
  /** Names and descriptions of the features produced with these options. */
  features(options: Options): FeatureInfo[];
}

/**
 * Define a feature set plugin.
 * @example
 * export default defineFeatureSet({
 *   name: 'range', apiVersion: 1, optionsSchema: z.object({}), inputs: [{ kind: 'candles', interval: '1h' }],
 *   publicationLag: 0, lookback: () => 1,
 *   features: () => [{ name: 'hl_range', description: 'log(high/low) of the bar' }],
 *   create: () => ({ batch: (f) => ({ hl_range: f.high.map((h, i) => Math.log(h / f.low[i]!)) }),
 *                    incremental: () => ({ update: (c) => ({ hl_range: Math.log(c.high / c.low) }) }) }),
 * });
 */
export function defineFeatureSet<Options>(
  def: Omit<FeatureSetDefinition<Options>, 'kind'>,
): FeatureSetDefinition<Options> {
  return Object.freeze({ ...def, kind: 'features' as const });
}
