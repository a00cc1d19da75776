import { expect, it } from 'vitest';
import { COINMETRICS_LAG_MS, DAY, HOUR } from '@satcast/core';
import { observationsFrom, testFeatureSet } from '@satcast/core/testing';
import { loadBtcHourly, loadDailyColumn } from '@satcast/data';
import onchain, { METRICS } from './index.js';

// Real Coin Metrics values, stamped with the documented publication lag (next day, 06:00 UTC).
const observations = METRICS.flatMap((m) =>
  observationsFrom(loadDailyColumn('btc_onchain_daily.csv.gz', m), { source: 'coinmetrics', series: m, lagMs: COINMETRICS_LAG_MS }),
);

testFeatureSet({
  plugin: onchain,
  options: {},
  candles: loadBtcHourly({ from: Date.UTC(2022, 0, 1), to: Date.UTC(2022, 4, 1) }),
  observations,
  additionalTests: (get) => {
    it("a day's metrics enter hourly rows only 30 h after the day starts", () => {
      const { batch, frame } = get();
      const mvrv = (day: number) => observations.find((o) => o.series === 'CapMVRVCur' && o.eventTime === day)!.value;
      const d = Date.UTC(2022, 2, 10);
      // Row as of 2022-03-11T05:00 (bar opened 04:00) still sees 03-09; as of 06:00 it sees 03-10.
      const before = frame.openTime.indexOf(d + DAY + 4 * HOUR);
      expect(batch.oc_mvrv![before]).toBe(mvrv(d - DAY));
      expect(batch.oc_mvrv![before + 1]).toBe(mvrv(d));
      expect(batch.oc_age_h![before + 1]).toBe(30);
    });
  },
});
