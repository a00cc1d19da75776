/**
 * @module @satcast/plugin-ta
 * Technical features over closed OHLCV bars. Every feature is scale-free (log returns, volatilities,
 * ranges), so models transfer across price levels. Each has a batch form (typed arrays over a whole
 * history) and an incremental form (O(1) per bar, bounded memory) that give the same numbers.
 *
 * Row i of every feature uses bars 0..i only: it is the value as of the close of bar i.
 */
import { z } from 'zod';
import { defineFeatureSet, type FeatureInfo } from '@satcast/core';
import { batchFeatures } from './batch.js';
import { IncrementalTa } from './incremental.js';

export const optionsSchema = z.strictObject({
  /** Decay of the EWMA variance of 1-bar log returns (RiskMetrics style). */
  ewmaLambda: z.number().gt(0).lt(1).default(0.97),
  /** Windows (bars) of the realised-volatility features `rv_<w>`. */
  volWindows: z.array(z.number().int().min(2).max(5000)).min(1).default([24, 168]),
  /** Lags (bars) of the log-return features `logret_<k>`. */
  returnLags: z.array(z.number().int().min(1).max(5000)).min(1).default([1, 4, 24]),
});
export type TaOptions = z.output<typeof optionsSchema>;

export function featureInfos(o: TaOptions): FeatureInfo[] {
  return [
    ...o.returnLags.map((k) => ({ name: `logret_${k}`, description: `log(close / close ${k} bars earlier)` })),
    ...o.volWindows.map((w) => ({
      name: `rv_${w}`,
      description: `realised volatility: root mean square of the last ${w} one-bar log returns`,
    })),
    { name: 'ewma_vol', description: `root of the EWMA (lambda ${o.ewmaLambda}) of squared one-bar log returns` },
    { name: 'hl_range', description: 'log(high / low) of the bar' },
  ];
}

export default defineFeatureSet<TaOptions>({
  name: 'ta',
  apiVersion: 1,
  description: 'returns, realised and EWMA volatility, bar range',
  optionsSchema,
  inputs: [{ kind: 'candles', interval: '1h' }],
  publicationLag: 0,
  lookback: (o) => Math.max(...o.volWindows, ...o.returnLags) + 1,
  features: featureInfos,
  create: (o) => ({
    batch: (frame) => batchFeatures(frame, o),
    incremental: () => new IncrementalTa(o),
  }),
});
