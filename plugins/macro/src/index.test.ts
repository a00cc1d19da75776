import { expect, it } from 'vitest';
import { HOUR, MACRO_LAG_MS } from '@satcast/core';
import { observationsFrom, testFeatureSet } from '@satcast/core/testing';
import { loadBtcHourly, loadDailyColumn } from '@satcast/data';
import macro from './index.js';

const FILES = { spx: ['spx_daily', 'close'], dxy: ['dxy_daily', 'close'], us10y: ['us10y_daily', 'yield_pct'], vix: ['vix_daily', 'close'] } as const;
// Gold (LBMA) is not bundled (its licence does not allow redistribution); its code path is the S&P's.
// Real daily closes, public 22 h after the start of their trading date (after the US close).
const observations = Object.entries(FILES).flatMap(([series, [file, column]]) =>
  observationsFrom(loadDailyColumn(`macro/${file}.csv.gz`, column), { source: 'fred', series, lagMs: MACRO_LAG_MS }),
);
const candles = loadBtcHourly({ from: Date.UTC(2023, 0, 1), to: Date.UTC(2023, 4, 1) });

testFeatureSet({
  plugin: macro,
  options: {},
  candles,
  observations,
  additionalTests: (get) => {
    it("a trading day's close enters only at 22:00 UTC that day; the weekend forward-fills Friday with growing age", () => {
      const { batch, frame } = get();
      const vix = (d: number) => observations.find((o) => o.series === 'vix' && o.eventTime === d)!.value;
      const fri = Date.UTC(2023, 2, 10); // Friday
      const i = frame.openTime.indexOf(fri + 20 * HOUR); // as of 21:00: Thursday's close
      expect(batch.mac_vix_level![i]).toBeCloseTo(vix(fri - 24 * HOUR) / 100, 12);
      expect(batch.mac_vix_level![i + 1]).toBeCloseTo(vix(fri) / 100, 12); // as of 22:00
      const sun = frame.openTime.indexOf(fri + 2 * 24 * HOUR + 11 * HOUR); // Sunday as of 12:00
      expect(batch.mac_vix_level![sun]).toBeCloseTo(vix(fri) / 100, 12);
      expect(batch.mac_vix_age_h![sun]).toBe(60);
    });
  },
});

testFeatureSet({ plugin: macro, options: { series: ['us10y'] }, candles, observations });
