import { beforeAll, describe, expect } from 'vitest';
import { PLUGIN_NAME_RE } from '../plugins/common.js';
import { createPluginContext } from '../plugins/context.js';
import { checkForecasts } from '../plugins/host.js';
import type { Model, ModelDefinition, PredictInput, ReturnForecast, TrainingSet } from '../plugins/model.js';
import { QUANTILE_LEVELS, type QuantileKey } from '../schemas/prediction.js';
import { pinballLoss } from '../scoring.js';
import { fingerprint } from './fixtures.js';
import { caseFor, type SuiteOptions } from './suite.js';

export interface ModelSuiteContext<O> {
  model: Model;
  options: O;
  forecasts: ReturnForecast[];
}

export interface ModelSuiteOptions<O> extends SuiteOptions<ModelSuiteContext<O>> {
  plugin: ModelDefinition<O>;
  options: unknown;
  train: TrainingSet;
  /** Rows after the training period, with their realised targets, for scoring beside persistence. */
  test: PredictInput & { target: Float64Array };
}

/** Summary the suite computes: the model's scores beside persistence's on the same rows. */
export interface ModelScores {
  n: number;
  mae: number;
  persistenceMae: number;
  pinball: number;
  coverage90: number;
}

export function scoreReturnForecasts(forecasts: readonly ReturnForecast[], target: Float64Array): ModelScores {
  let n = 0, ae = 0, pae = 0, pin = 0, cov = 0;
  forecasts.forEach((f, i) => {
    const y = target[i]!;
    if (!Number.isFinite(y)) return;
    n++;
    ae += Math.abs(y - f.point);
    pae += Math.abs(y);
    for (const k of Object.keys(QUANTILE_LEVELS) as QuantileKey[]) pin += pinballLoss(QUANTILE_LEVELS[k], f.quantiles[k], y) / 5;
    if (y >= f.quantiles.p05 && y <= f.quantiles.p95) cov++;
  });
  return { n, mae: ae / n, persistenceMae: pae / n, pinball: pin / n, coverage90: cov / n };
}

/**
 * The model contract: one forecast per row, valid quantiles and probabilities, inputs untouched, rows
 * independent, save-then-load predicts the same, and a sane score beside persistence.
 */
export function testModel<O>(opts: ModelSuiteOptions<O>): void {
  const { plugin: def } = opts;
  const test = caseFor(opts.skip);
  let options: O;
  let model: Model;
  let forecasts: ReturnForecast[];

  const allArrays = (x: { features: Readonly<Record<string, Float64Array>>; times: Float64Array }) => [
    x.times,
    ...Object.keys(x.features).sort().map((k) => x.features[k]!),
  ];

  describe(`model contract: ${def.name} (${opts.train.horizon})`, () => {
    let trainPrint = 0;
    let testPrint = 0;
    beforeAll(async () => {
      options = def.optionsSchema.parse(opts.options);
      trainPrint = fingerprint([...allArrays(opts.train), opts.train.target]);
      testPrint = fingerprint(allArrays(opts.test));
      model = await def.create(options, createPluginContext());
      await model.fit(opts.train);
      forecasts = await model.predict(opts.test);
    });

    test('definition is well formed', () => {
      expect(def.kind).toBe('model');
      expect(def.name).toMatch(PLUGIN_NAME_RE);
      expect(def.apiVersion).toBe(1);
      expect(def.capabilities.horizons).toContain(opts.train.horizon);
      expect(def.capabilities.formats.length).toBeGreaterThan(0);
      for (const f of def.inputs(options)) expect(opts.train.features[f], `input ${f} missing`).toBeInstanceOf(Float64Array);
    });

    test('predicts one valid forecast per row', () => {
      expect(() => checkForecasts(def.name, opts.test.times.length, forecasts)).not.toThrow();
    });

    test('fit and predict leave their inputs untouched', () => {
      expect(fingerprint([...allArrays(opts.train), opts.train.target])).toBe(trainPrint);
      expect(fingerprint(allArrays(opts.test))).toBe(testPrint);
    });

    test('rows are independent: changing row j does not change row i', async () => {
      const j = opts.test.times.length - 1;
      const features: Record<string, Float64Array> = {};
      for (const [k, v] of Object.entries(opts.test.features)) {
        const c = Float64Array.from(v);
        c[j] = Number.isFinite(c[j]!) ? c[j]! * 3 + 1 : 1;
        features[k] = c;
      }
      const again = await model.predict({ ...opts.test, features });
      for (let i = 0; i < j; i++) expect(again[i]).toEqual(forecasts[i]);
    });

    test('serialize then load predicts the same', async () => {
      const blob = model.serialize();
      expect(def.capabilities.formats).toContain(blob.format);
      expect(blob.bytes.byteLength).toBeGreaterThan(0);
      const loaded = await def.load(blob, options);
      const again = await loaded.predict(opts.test);
      again.forEach((f, i) => {
        expect(f.point).toBeCloseTo(forecasts[i]!.point, 9);
        expect(f.pUp).toBeCloseTo(forecasts[i]!.pUp, 9);
        expect(f.quantiles.p05).toBeCloseTo(forecasts[i]!.quantiles.p05, 9);
        expect(f.quantiles.p95).toBeCloseTo(forecasts[i]!.quantiles.p95, 9);
      });
    });

    test('scored beside persistence: not catastrophically worse', () => {
      const s = scoreReturnForecasts(forecasts, opts.test.target);
      expect(s.n).toBeGreaterThan(0);
      // A model whose point error is twice persistence's is broken (wrong sign, units or alignment).
      expect(s.mae).toBeLessThan(2 * s.persistenceMae);
      // A 90% band that covers under half or everything is a units or calibration bug.
      expect(s.coverage90).toBeGreaterThan(0.5);
      expect(s.coverage90).toBeLessThan(1);
    });

    opts.additionalTests?.(() => ({ model, options, forecasts }));
  });
}
