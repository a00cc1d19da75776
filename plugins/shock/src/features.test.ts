import { describe, expect, it } from 'vitest';
import { testFeatureSet } from '@satcast/core/testing';
import { createPluginContext, toCandleFrame, ValidationError, type Candle } from '@satcast/core';
import { loadBtcHourly } from '@satcast/data';
import { shock, shockLookback, shockOptionsSchema } from './index.js';

const candles = loadBtcHourly({ from: Date.UTC(2022, 0, 1), to: Date.UTC(2022, 10, 1) }) as Candle[];

testFeatureSet({
  plugin: shock,
  options: {},
  candles,
  additionalTests: (ctx) => {
    it('scores lie in (0, 1), typical bars below 0.6 and shocks flagged', () => {
      const { batch, options } = ctx();
      const s = batch.iforest_score!;
      const lb = shockLookback(options);
      const vals = Array.from(s.subarray(lb)).filter(Number.isFinite).sort((a, b) => a - b);
      expect(vals.length).toBeGreaterThan(1000);
      expect(vals[0]!).toBeGreaterThan(0);
      expect(vals.at(-1)!).toBeLessThan(1);
      const median = vals[Math.floor(vals.length / 2)]!;
      expect(median).toBeLessThan(0.5);
      const flags = batch.iforest_shock!.subarray(lb);
      let k = 0;
      for (const f of flags) k += f;
      // shocks are rare but they happen (2022: Luna, FTX)
      expect(k / flags.length).toBeGreaterThan(0);
      expect(k / flags.length).toBeLessThan(0.1);
      console.log(`[shock] 2022 real bars after warm-up: median score ${median.toFixed(3)}, p99 ${vals[Math.floor(vals.length * 0.99)]!.toFixed(3)}, max ${vals.at(-1)!.toFixed(3)}, shock share ${(k / flags.length * 100).toFixed(2)}%`);
    });

    it('the Luna crash (2022-05-09..12) scores above 0.6', () => {
      const { batch, frame } = ctx();
      const from = Date.UTC(2022, 4, 9), to = Date.UTC(2022, 4, 13);
      let max = 0;
      for (let i = 0; i < frame.openTime.length; i++) if (frame.openTime[i]! >= from && frame.openTime[i]! < to) max = Math.max(max, batch.iforest_score![i]!);
      expect(max).toBeGreaterThan(0.6);
    });
  },
});

describe('shock: frame-start independence and options', () => {
  it('values at rows >= lookback do not depend on where the frame starts', async () => {
    const o = shockOptionsSchema.parse({ window: 500, refitEvery: 72 });
    const fs = await shock.create(o, createPluginContext());
    const a = fs.batch(toCandleFrame(candles.slice(0, 3000)));
    const shift = 137;
    const b = fs.batch(toCandleFrame(candles.slice(shift, 3000)));
    const lb = shockLookback(o);
    let compared = 0;
    for (let i = lb; i < 3000 - shift; i++) {
      expect(b.iforest_score![i]).toBe(a.iforest_score![i + shift]);
      compared++;
    }
    expect(compared).toBeGreaterThan(1000);
    // and before lookback the later-starting frame has no forest where the earlier one did
    expect(Number.isNaN(b.iforest_score![lb - 200]!) || b.iforest_score![lb - 200] === a.iforest_score![lb - 200 + shift]).toBe(true);
  });

  it('different seeds give different (but similar) forests', async () => {
    const f0 = await shock.create(shockOptionsSchema.parse({ window: 500, refitEvery: 72 }), createPluginContext());
    const f1 = await shock.create(shockOptionsSchema.parse({ window: 500, refitEvery: 72, seed: 9 }), createPluginContext());
    const fr = toCandleFrame(candles.slice(0, 1500));
    const a = f0.batch(fr).iforest_score!, b = f1.batch(fr).iforest_score!;
    let diff = 0, n = 0;
    for (let i = 1000; i < 1500; i++) (diff += Math.abs(a[i]! - b[i]!)), n++;
    expect(diff / n).toBeGreaterThan(0);
    expect(diff / n).toBeLessThan(0.05);
  });

  it('shockFlag: false drops iforest_shock from both the declaration and the output', async () => {
    const o = shockOptionsSchema.parse({ window: 300, refitEvery: 48, shockFlag: false, trees: 20 });
    const fs = await shock.create(o, createPluginContext());
    const out = fs.batch(toCandleFrame(candles.slice(0, 800)));
    expect(Object.keys(out)).toEqual(['iforest_score']);
    expect(shock.features(o).map((f) => f.name)).toEqual(['iforest_score']);
    expect(Number.isFinite(out.iforest_score![shockLookback(o)]!)).toBe(true);
    expect(Number.isNaN(out.iforest_score![168 + 300 - 1]!)).toBe(true);
  });

  it('bad options are a ValidationError naming the field', () => {
    for (const [opts, field] of [
      [{ window: 10 }, 'window'],
      [{ threshold: 1.5 }, 'threshold'],
      [{ refitEvery: 0 }, 'refitEvery'],
      [{ trees: 'many' }, 'trees'],
      [{ nope: 1 }, ''],
    ] as const) {
      let err: unknown;
      try {
        shock.create(opts as never, createPluginContext());
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(opts)).toBeInstanceOf(ValidationError);
      if (field) expect((err as ValidationError).field).toBe(field);
      else expect((err as ValidationError).message).toMatch(/nope/);
    }
  });
});
