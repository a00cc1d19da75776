import { expect, it } from 'vitest';
import { FNG_LAG_MS } from '@satcast/core';
import { observationsFrom, testFeatureSet } from '@satcast/core/testing';
import { loadBtcHourly, loadDailyColumn } from '@satcast/data';
import sentiment from './index.js';

// Real index values with the documented publication time (00:00 UTC of the index day).
const fng = observationsFrom(loadDailyColumn('fear_greed_daily.csv.gz', 'value'), { source: 'fear-greed', series: 'fng', lagMs: FNG_LAG_MS });

// 2024 Q3-Q4 contains the upstream gap of 2024-10-26 (one missing day).
testFeatureSet({
  plugin: sentiment,
  options: {},
  candles: loadBtcHourly({ from: Date.UTC(2024, 6, 1), to: Date.UTC(2025, 0, 1) }),
  observations: fng,
  additionalTests: (get) => {
    it('uses the index of day D from 00:00 UTC of D on, and forward-fills a missing day with growing age', () => {
      const { batch, frame } = get();
      // Bar opened 2024-10-24T23:00 closes at 25T00:00: the 25th's index is public exactly then.
      const i = frame.openTime.indexOf(Date.UTC(2024, 9, 24, 23));
      const v25 = fng.find((o) => o.eventTime === Date.UTC(2024, 9, 25))!.value;
      const v24 = fng.find((o) => o.eventTime === Date.UTC(2024, 9, 24))!.value;
      expect(batch.fng_level![i - 1]).toBeCloseTo(v24 / 100, 12);
      expect(batch.fng_level![i]).toBeCloseTo(v25 / 100, 12);
      expect(batch.fng_age_h![i]).toBe(0);
      // 2024-10-26 is missing upstream: on the 26th at 12:00 the 25th's value is 36 hours old.
      const j = frame.openTime.indexOf(Date.UTC(2024, 9, 26, 11));
      expect(batch.fng_level![j]).toBeCloseTo(v25 / 100, 12);
      expect(batch.fng_age_h![j]).toBe(36);
      expect(fng.some((o) => o.eventTime === Date.UTC(2024, 9, 26))).toBe(false);
    });
  },
});
