import { describe, expect, it } from 'vitest';
import { createPluginContext, HORIZON_MS, HOUR, logReturnTargets, seededRandom, toCandleFrame, ValidationError, type PredictInput, type TrainingSet } from '@satcast/core';
import { testModel } from '@satcast/core/testing';
import { loadBtcHourly } from '@satcast/data';
import ta from '@satcast/plugin-ta';
import { ridge } from '@satcast/plugin-linear';
import { withFeatureSelection } from './index.js';

const FROM = Date.UTC(2022, 6, 1);
const CUT = Date.UTC(2023, 6, 1);
const TO = Date.UTC(2023, 7, 1);
const horizon = '4h' as const;
const hMs = HORIZON_MS[horizon];

// Real hourly BTCUSDT with every default `ta` feature.
const bars = loadBtcHourly({ from: FROM, to: TO });
const taFs = await ta.create(ta.optionsSchema.parse({}), createPluginContext());
const allFeatures = taFs.batch(toCandleFrame(bars as Parameters<typeof toCandleFrame>[0])) as Record<string, Float64Array>;
const CANDIDATES = Object.keys(allFeatures).filter((f) => f !== 'ewma_vol' && !/^(open|high|low|close|volume)$/.test(f)).slice(0, 60);
const times = Float64Array.from(bars, (b) => b.openTime + HOUR);
const target = logReturnTargets(bars.map((b) => b.openTime), bars.map((b) => b.close), hMs);

/** The host's point-in-time split: training targets public by `cut`, test rows after it. */
function split(features: Record<string, Float64Array>, y: Float64Array, cut: number): { train: TrainingSet; test: PredictInput & { target: Float64Array } } {
  const n = times.findIndex((t) => t > cut);
  const pick = (s: number, e?: number) => Object.fromEntries(Object.entries(features).map(([k, v]) => [k, v.slice(s, e)]));
  return {
    train: { horizon, times: times.slice(0, n), features: pick(0, n), target: y.slice(0, n).map((v, i) => (times[i]! + hMs <= cut ? v : Number.NaN)) },
    test: { horizon, times: times.slice(n), features: pick(n), target: y.slice(n) },
  };
}

const plugin = withFeatureSelection(ridge, { maxFeatures: 8, prefilter: 25, folds: 4 });
const options = { inputs: CANDIDATES };
const { train, test } = split(allFeatures, target, CUT);

testModel({
  plugin,
  options,
  train,
  test,
  additionalTests: (ctx) => {
    it('reports the selected features (<= maxFeatures, from the candidates) in every forecast', () => {
      const sel = ctx().forecasts[0]!.info!.selectedFeatures as string[];
      expect(sel.length).toBeGreaterThanOrEqual(1);
      expect(sel.length).toBeLessThanOrEqual(8);
      for (const f of sel) expect(CANDIDATES).toContain(f);
      for (const f of ctx().forecasts) expect(f.info!.selectedFeatures).toEqual(sel);
      console.log(`ridge-sfs selected ${sel.length}/${CANDIDATES.length}: ${sel.join(', ')}`);
    });
  },
});

describe('withFeatureSelection', () => {
  it('is a model plugin named <inner>-sfs that reads every candidate plus the volatility feature', () => {
    expect(plugin.name).toBe('ridge-sfs');
    expect(plugin.kind).toBe('model');
    const o = plugin.optionsSchema.parse(options);
    expect(new Set(plugin.inputs(o))).toEqual(new Set([...CANDIDATES, 'ewma_vol']));
    expect(plugin.capabilities.formats).toEqual(['json']);
  });

  it('no look-ahead: rows and prices after the fit time do not change selection or earlier forecasts', async () => {
    // Perturb every feature of rows issued after P and every target not yet public at CUT.
    const P = CUT + 7 * 24 * HOUR;
    const rnd = seededRandom(3);
    const noisy = Object.fromEntries(Object.entries(allFeatures).map(([k, v]) => [k, v.map((x, i) => (times[i]! > P ? x * (1 + rnd()) + rnd() : x))]));
    const noisyY = target.map((y, i) => (times[i]! + hMs > CUT ? y + 0.05 * (rnd() - 0.5) : y));
    const a = split(allFeatures, target, CUT);
    const b = split(noisy, noisyY, CUT);
    const o = plugin.optionsSchema.parse(options);
    const ma = await plugin.create(o, createPluginContext());
    const mb = await plugin.create(o, createPluginContext());
    await ma.fit(a.train);
    await mb.fit(b.train);
    const fa = await ma.predict(a.test);
    const fb = await mb.predict(b.test);
    const nBefore = a.test.times.findIndex((t) => t > P);
    expect(nBefore).toBeGreaterThan(100);
    expect(fb.slice(0, nBefore)).toEqual(fa.slice(0, nBefore));
    // The perturbed rows themselves do change (the comparison can fail).
    expect(fb.slice(nBefore).some((f, i) => f.point !== fa[nBefore + i]!.point)).toBe(true);
  });

  it('selection is deterministic: the same training rows give the same features', async () => {
    const o = plugin.optionsSchema.parse(options);
    const early = split(allFeatures, target, CUT - 90 * 24 * HOUR);
    const m1 = await plugin.create(o, createPluginContext());
    await m1.fit(early.train);
    const m2 = await plugin.create(o, createPluginContext());
    await m2.fit(split(allFeatures, target, CUT - 90 * 24 * HOUR).train);
    expect((m1 as unknown as { selectedFeatures: string[] }).selectedFeatures).toEqual((m2 as unknown as { selectedFeatures: string[] }).selectedFeatures);
  });

  it('bad options throw ValidationError naming the field', () => {
    const err = (o: object) => {
      try {
        withFeatureSelection(ridge, o);
      } catch (e) {
        return e as ValidationError;
      }
      throw new Error('no error');
    };
    expect(err({ maxFeatures: 201 })).toBeInstanceOf(ValidationError);
    expect(err({ maxFeatures: 201 }).field).toBe('maxFeatures');
    expect(err({ prefilter: 0 }).field).toBe('prefilter');
    expect(err({ folds: 1 }).field).toBe('folds');
    expect(err({ maxFeaturs: 3 }).field).toBe('maxFeaturs');
  });
});
