import { describe, expect, it } from 'vitest';
import { testFeatureSet } from '@satcast/core/testing';
import { createPluginContext, toCandleFrame } from '@satcast/core';
import { loadBtcHourly } from '@satcast/data';
import ta from './index.js';

// Real bars around the March-2020 crash (largest hourly moves in the history) ...
const crash = loadBtcHourly({ from: Date.UTC(2020, 1, 1), to: Date.UTC(2020, 4, 1) });
// ... and early 2018, which contains the longest outage gap (2018-02-08T00 -> 2018-02-09T10).
const gappy = loadBtcHourly({ from: Date.UTC(2018, 0, 1), to: Date.UTC(2018, 3, 1) });

testFeatureSet({ plugin: ta, options: {}, candles: crash });
testFeatureSet({
  plugin: ta,
  options: { ewmaLambda: 0.9, volWindows: [12, 48], returnLags: [1, 2, 12] },
  candles: gappy,
  additionalTests: (get) => {
    it('computes textbook values on a hand-checked bar', () => {
      const { batch, frame } = get();
      const i = 500;
      expect(batch.logret_1![i]).toBeCloseTo(Math.log(frame.close[i]! / frame.close[i - 1]!), 15);
      let s = 0;
      for (let k = i - 11; k <= i; k++) s += Math.log(frame.close[k]! / frame.close[k - 1]!) ** 2;
      expect(batch.rv_12![i]).toBeCloseTo(Math.sqrt(s / 12), 12);
      expect(batch.hl_range![i]).toBeCloseTo(Math.log(frame.high[i]! / frame.low[i]!), 15);
    });
  },
});

describe('ta on the full bundled history', () => {
  it('batch runs over all 68,869 bars with no undefined values after warm-up', async () => {
    const all = loadBtcHourly();
    expect(all).toHaveLength(68_869);
    const opts = ta.optionsSchema.parse({});
    const fs = await ta.create(opts, createPluginContext());
    const out = fs.batch(toCandleFrame(all));
    for (const [name, col] of Object.entries(out)) {
      const bad = col.subarray(ta.lookback(opts)).filter((x) => !Number.isFinite(x)).length;
      expect(bad, name).toBe(0);
    }
    // March 12, 2020 10:00 UTC: the -18.2% hour.
    const i = all.findIndex((c) => c.openTime === Date.UTC(2020, 2, 12, 10));
    expect(Math.expm1(out.logret_1![i]!)).toBeCloseTo(-0.182, 2);
  });
});
