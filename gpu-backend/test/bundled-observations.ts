/**
 * Observations built from the bundled daily files with the publication lags in core's publication.ts, as
 * the source plugins emit them (`fear-greed:fng`, `coinmetrics:<metric id>`, `fred:spx|dxy|us10y|vix`).
 */
import { COINMETRICS_LAG_MS, FNG_LAG_MS, MACRO_LAG_MS, type FeatureInput, type Observation } from '@satcast/core';
import { observationsFrom } from '@satcast/core/testing';
import { loadDailyColumn } from '@satcast/data';

const MACRO: Record<string, [string, string]> = {
  spx: ['macro/spx_daily.csv.gz', 'close'],
  dxy: ['macro/dxy_daily.csv.gz', 'close'],
  us10y: ['macro/us10y_daily.csv.gz', 'yield_pct'],
  vix: ['macro/vix_daily.csv.gz', 'close'],
};

/** Observations for every declared input that the bundled data has (others, e.g. gold, are absent). */
export function bundledObservations(inputs: readonly FeatureInput[]): Observation[] {
  return inputs.flatMap((inp) => {
    if (inp.kind !== 'observations') return [];
    const { source, series } = inp;
    if (source === 'fear-greed' && series === 'fng') return observationsFrom(loadDailyColumn('fear_greed_daily.csv.gz', 'value'), { source, series, lagMs: FNG_LAG_MS });
    if (source === 'coinmetrics') return observationsFrom(loadDailyColumn('btc_onchain_daily.csv.gz', series), { source, series, lagMs: COINMETRICS_LAG_MS });
    const m = source === 'fred' ? MACRO[series] : undefined;
    return m ? observationsFrom(loadDailyColumn(m[0], m[1]), { source, series, lagMs: MACRO_LAG_MS }) : [];
  });
}
