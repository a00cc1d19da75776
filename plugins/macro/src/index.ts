/**
 * @module @satcast/plugin-macro
 * Macro features from daily closes (source `fred`, series `spx`, `dxy`, `us10y`, `vix`, optionally
 * `gold`). A trading day's close is public after the US session (`availableAt = eventTime + 22 h`, core's
 * `MACRO_LAG_MS`), so it enters hourly rows only from 22:00 UTC of that day; weekends and holidays are
 * forward-filled and their staleness is the `_age_h` feature. Prices enter as log returns and z-scores,
 * the 10-year yield as changes in percentage points, VIX and the yield also as levels.
 */
import { z } from 'zod';
import {
  ageHours,
  change,
  defineFeatureSet,
  fromKernels,
  level,
  logChange,
  MACRO_LAG_MS,
  obsValue,
  observationKey,
  OBSERVATION_SOURCES,
  seriesKernel,
  zscore,
  type FeatureInfo,
  type SeriesFeature,
} from '@satcast/core';

export const SERIES = ['spx', 'dxy', 'us10y', 'vix', 'gold'] as const;
export type MacroSeries = (typeof SERIES)[number];

export const optionsSchema = z.strictObject({
  /** Series to use; `gold` (LBMA) is not in the bundled data (licence), so not in the default set. */
  series: z.array(z.enum(SERIES)).min(1).default(['spx', 'dxy', 'us10y', 'vix']),
});
export type MacroOptions = z.output<typeof optionsSchema>;

const NAMES: Record<MacroSeries, string> = { spx: 'S&P 500', dxy: 'US dollar index', us10y: 'US 10-year yield', vix: 'VIX', gold: 'gold (LBMA PM, USD)' };

function seriesFeatures(s: MacroSeries): SeriesFeature[] {
  const key = observationKey(OBSERVATION_SOURCES.macro, s);
  const src = obsValue(key);
  const f = (name: string, lookback: number, description: string): FeatureInfo => ({ name, description, lookback, inputs: [key] });
  const label = NAMES[s];
  const moves =
    s === 'us10y'
      ? [
          change(f('mac_us10y_chg_24', 24, `change of the ${label} over 24 bars, percentage points`), src, 24),
          change(f('mac_us10y_chg_120', 120, `change of the ${label} over 120 bars (~5 days), percentage points`), src, 120),
          level(f('mac_us10y_level', 0, `${label}, percent`), src),
        ]
      : [
          logChange(f(`mac_${s}_ret_24`, 24, `log return of the ${label} over 24 bars (the latest published daily move)`), src, 24),
          logChange(f(`mac_${s}_ret_120`, 120, `log return of the ${label} over 120 bars (~5 days)`), src, 120),
          ...(s === 'vix' ? [level(f('mac_vix_level', 0, 'VIX level / 100 (implied annual volatility of the S&P 500)'), src, 0.01)] : []),
        ];
  return [
    ...moves,
    zscore(f(`mac_${s}_z_480`, 479, `z-score of the ${label} within the last 480 bars (~20 days)`), src, 480),
    ageHours(f(`mac_${s}_age_h`, 0, `hours since the trading day of the ${label} value in use (>= 22; grows over weekends and holidays)`), key),
  ];
}

export default defineFeatureSet<MacroOptions>({
  name: 'macro',
  apiVersion: 1,
  description: 'S&P 500, DXY, US 10y, VIX (and gold): returns, levels, z-scores and staleness, point-in-time after the US close',
  optionsSchema,
  // Every series the plugin can read; the host aligns those the options select (others come out empty).
  inputs: [{ kind: 'candles', interval: '1h' }, ...SERIES.map((s) => ({ kind: 'observations' as const, source: OBSERVATION_SOURCES.macro, series: s }))],
  publicationLag: MACRO_LAG_MS,
  ...fromKernels((o: MacroOptions) => [seriesKernel(o.series.flatMap(seriesFeatures))]),
});
