/**
 * @module @satcast/plugin-sentiment
 * Crypto Fear & Greed features (source `fear-greed`, series `fng`, 0..100). The host joins the series
 * point-in-time: the index for day D is public at 00:00 UTC of D (lag 0, see core's publication.ts), so an
 * hourly row as of t sees the newest index published at or before t, forward-filled, with its age.
 * Windows count bars: on hourly rows 24 bars are one day.
 */
import { z } from 'zod';
import {
  ageHours,
  change,
  defineFeatureSet,
  FNG_LAG_MS,
  fromKernels,
  level,
  obsValue,
  observationKey,
  OBSERVATION_SOURCES,
  seriesKernel,
  zscore,
  type FeatureInfo,
} from '@satcast/core';

export const optionsSchema = z.strictObject({
  /** Bars of the z-score window (720 = 30 days of hourly bars). */
  zWindow: z.number().int().min(24).max(10_000).default(720),
});
export type SentimentOptions = z.output<typeof optionsSchema>;

const KEY = observationKey(OBSERVATION_SOURCES.fearGreed, 'fng');
const f = (name: string, lookback: number, description: string): FeatureInfo => ({ name, description, lookback, inputs: [KEY] });

function specs(o: SentimentOptions) {
  const fng = obsValue(KEY);
  const extreme = (test: (v: number) => boolean) => () => (bar: Parameters<typeof fng>[0]) => {
    const v = fng(bar);
    return Number.isNaN(v) ? Number.NaN : test(v) ? 1 : 0;
  };
  return [
    seriesKernel([
      level(f('fng_level', 0, 'Fear & Greed index / 100 (0 extreme fear .. 1 extreme greed)'), fng, 0.01),
      change(f('fng_chg_24', 24, 'change of the index over 24 bars (one day), / 100'), fng, 24, 0.01),
      change(f('fng_chg_168', 168, 'change of the index over 168 bars (one week), / 100'), fng, 168, 0.01),
      zscore(f(`fng_z_${o.zWindow}`, o.zWindow - 1, `z-score of the index within the last ${o.zWindow} bars`), fng, o.zWindow),
      { info: f('fng_extreme_fear', 0, '1 when the index is <= 25 (extreme fear), else 0'), make: extreme((v) => v <= 25) },
      { info: f('fng_extreme_greed', 0, '1 when the index is >= 75 (extreme greed), else 0'), make: extreme((v) => v >= 75) },
      ageHours(f('fng_age_h', 0, 'hours since the start of the day the index in use describes (staleness; > 24 when a day is missing)'), KEY),
    ]),
  ];
}

export default defineFeatureSet<SentimentOptions>({
  name: 'sentiment',
  apiVersion: 1,
  description: 'Crypto Fear & Greed: level, changes, z-score, extremes and staleness (point-in-time)',
  optionsSchema,
  inputs: [
    { kind: 'candles', interval: '1h' },
    { kind: 'observations', source: OBSERVATION_SOURCES.fearGreed, series: 'fng' },
  ],
  publicationLag: FNG_LAG_MS,
  ...fromKernels(specs),
});
