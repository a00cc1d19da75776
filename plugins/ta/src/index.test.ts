import { describe, expect, it } from 'vitest';
import { close, testFeatureSet } from '@satcast/core/testing';
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
      // Parkinson over 24 bars, straight from the formula.
      let p = 0;
      for (let k = i - 23; k <= i; k++) p += Math.log(frame.high[k]! / frame.low[k]!) ** 2;
      expect(batch.parkinson_vol_24![i]).toBeCloseTo(Math.sqrt(p / 24 / (4 * Math.LN2)), 12);
      // Donchian position over 20 bars.
      const hi = Math.max(...frame.high.subarray(i - 19, i + 1));
      const lo = Math.min(...frame.low.subarray(i - 19, i + 1));
      expect(batch.dc_pos_20![i]).toBeCloseTo((frame.close[i]! - lo) / (hi - lo), 12);
    });

    it('gap features see the longest outage (2018-02-08T00 -> 2018-02-09T10, 33 h)', () => {
      const { batch, frame } = get();
      const i = frame.openTime.indexOf(Date.UTC(2018, 1, 9, 10));
      expect(batch.gap_hours_since_prev![i]).toBe(33);
      expect(batch.gap_hours_24![i + 5]).toBe(33);
      expect(batch.gap_hours_since_prev![i + 1]).toBe(0);
    });
  },
});

describe('ta on the full bundled history', () => {
  it('declares 100+ distinct features, each with its lookback and inputs', () => {
    const infos = ta.features(ta.optionsSchema.parse({}));
    expect(infos.length).toBeGreaterThanOrEqual(100);
    for (const f of infos) {
      expect(f.lookback, f.name).toBeGreaterThanOrEqual(0);
      expect(f.inputs?.length, f.name).toBeGreaterThan(0);
    }
  });

  it('batch runs over all 68,869 bars: every feature defined from its declared lookback on, and not before', async () => {
    const all = loadBtcHourly();
    expect(all).toHaveLength(68_869);
    const opts = ta.optionsSchema.parse({});
    const fs = await ta.create(opts, createPluginContext());
    const out = fs.batch(toCandleFrame(all));
    for (const f of ta.features(opts)) {
      const col = out[f.name]!;
      // Real gaps (28) and zero-volume bars (5) included: no NaN after warm-up, ever.
      const bad = col.subarray(f.lookback).filter((x) => !Number.isFinite(x)).length;
      expect(bad, f.name).toBe(0);
      // The declared lookback is tight: the row before it is still undefined.
      if (f.lookback! > 0) expect(col[f.lookback! - 1], f.name).toBeNaN();
    }
    // Incremental over the whole history equals batch on every row after warm-up (relative 1e-9).
    const inc = fs.incremental();
    const lookback = ta.lookback(opts);
    const bad: string[] = [];
    all.forEach((c, i) => {
      const row = inc.update(c);
      if (i < lookback) return;
      for (const [name, col] of Object.entries(out)) if (!close(row[name]!, col[i]!, 1e-9) && bad.length < 5) bad.push(`${name}[${i}]: ${row[name]} vs ${col[i]}`);
    });
    expect(bad).toEqual([]);
    // March 12, 2020 10:00 UTC: the -18.2% hour.
    const i = all.findIndex((c) => c.openTime === Date.UTC(2020, 2, 12, 10));
    expect(Math.expm1(out.logret_1![i]!)).toBeCloseTo(-0.182, 2);
  });
});
