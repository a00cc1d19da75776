/**
 * @module @satcast/plugin-ta
 * Technical features over closed OHLCV bars: 120+ named features in nine families (returns, volatility
 * and range estimators, channels, moving-average distances, oscillators, trend momentum, directional
 * movement, volume, trend overlays, statistics, candle shape and gaps). Every feature is scale-free
 * (log returns, ratios, bounded oscillators, z-scores), so models transfer across price levels.
 *
 * Each family is one kernel (core's `FeatureKernel`): `batch` runs it over a frame's typed arrays,
 * `incremental` feeds it one closed bar at a time in O(1) amortised work and bounded memory, so live and
 * backtest give the same numbers by construction. Row i of every feature uses bars 0..i only.
 */
import { z } from 'zod';
import { defineFeatureSet, fromKernels, type KernelSpec } from '@satcast/core';
import { laggedReturns, returns } from './families/returns.js';
import { channels, rangeEstimators, realised } from './families/volatility.js';
import { movingAverages } from './families/moving-averages.js';
import { directional, oscillators, trendMomentum } from './families/momentum.js';
import { volumeFeatures } from './families/volume.js';
import { trend } from './families/trend.js';
import { statistics } from './families/statistics.js';
import { candleShape } from './families/candle.js';

export const FAMILIES = ['returns', 'volatility', 'moving-averages', 'momentum', 'volume', 'trend', 'statistics', 'candle'] as const;
export type Family = (typeof FAMILIES)[number];

export const optionsSchema = z.strictObject({
  /** Decay of the EWMA variance of 1-bar log returns (RiskMetrics style). */
  ewmaLambda: z.number().gt(0).lt(1).default(0.97),
  /** Windows (bars) of the realised-volatility features `rv_<w>`. */
  volWindows: z.array(z.number().int().min(2).max(5000)).min(1).default([12, 24, 72, 168]),
  /** Lags (bars) of the log-return features `logret_<k>`. */
  returnLags: z.array(z.number().int().min(1).max(5000)).min(1).default([1, 2, 4, 8, 12, 24, 48, 72, 168]),
  /** Families to compute (default: all). `returns` and `volatility` always include the starter features. */
  families: z.array(z.enum(FAMILIES)).min(1).default([...FAMILIES]),
});
export type TaOptions = z.output<typeof optionsSchema>;

/** The kernels for these options, in output order. */
export function taKernels(o: TaOptions): KernelSpec[] {
  const on = (f: Family) => o.families.includes(f);
  const uniq = (xs: readonly number[]) => [...new Set(xs)].sort((a, b) => a - b);
  return [
    ...(on('returns') ? [returns(uniq(o.returnLags)), laggedReturns()] : []),
    ...(on('volatility') ? [realised(uniq(o.volWindows), o.ewmaLambda), rangeEstimators([24, 168]), channels()] : []),
    ...(on('moving-averages') ? [movingAverages()] : []),
    ...(on('momentum') ? [oscillators(), trendMomentum(), directional()] : []),
    ...(on('volume') ? [volumeFeatures()] : []),
    ...(on('trend') ? [trend()] : []),
    ...(on('statistics') ? [statistics()] : []),
    ...(on('candle') ? [candleShape()] : []),
  ];
}

export default defineFeatureSet<TaOptions>({
  name: 'ta',
  apiVersion: 1,
  description: 'technical features over OHLCV: returns, volatility, moving averages, momentum, volume, trend, statistics, candle shape',
  optionsSchema,
  inputs: [{ kind: 'candles', interval: '1h' }],
  publicationLag: 0,
  ...fromKernels(taKernels),
});
