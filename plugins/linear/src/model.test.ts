import { describe, expect, it } from 'vitest';
import { createPluginContext, HOUR, type TrainingSet } from '@satcast/core';
import { decodeEnvelope, huber, ridge, type LinearModel } from './index.js';
import { synthetic } from './test-rows.js';

const opts = { inputs: ['x1', 'x2'], maxTrainRows: 5000 };
const make = async (plugin: typeof ridge | typeof huber, o: object = opts) =>
  (await plugin.create(plugin.optionsSchema.parse(o) as never, createPluginContext())) as LinearModel;
const withFeature = (s: TrainingSet, name: string, f: (v: number, i: number) => number): TrainingSet => ({
  ...s,
  features: { ...s.features, [name]: s.features[name]!.map(f) },
});

describe('linear model behaviour', () => {
  const train = synthetic(2000, [0.4, -0.2], { seed: 11 });
  const test = synthetic(300, [0.4, -0.2], { seed: 12, t0: train.times[1999]! + HOUR });

  it('imputes a missing input with the training mean: a NaN row predicts as the mean row', async () => {
    const m = await make(ridge);
    m.fit(train);
    const mean = m.params()!.mean[0]!;
    const nan = m.predict({ ...test, features: { ...test.features, x1: test.features.x1!.map((v, i) => (i % 2 ? Number.NaN : v)) } });
    const atMean = m.predict({ ...test, features: { ...test.features, x1: test.features.x1!.map((v, i) => (i % 2 ? mean : v)) } });
    expect(nan).toEqual(atMean);
    nan.forEach((f) => expect(Number.isFinite(f.point) && Number.isFinite(f.pUp)).toBe(true));
  });

  it('NaN training inputs are imputed too, and NaN-target rows are ignored', async () => {
    const holed = withFeature(train, 'x2', (v, i) => (i % 7 === 0 ? Number.NaN : v));
    const a = await make(ridge);
    a.fit(holed);
    expect(a.params()!.coef[1]).toBeCloseTo(-0.2, 1);
    // Rows whose target is unknown may carry anything: the fit is the same.
    const padded: TrainingSet = {
      ...holed,
      times: Float64Array.from([...holed.times, ...Array.from({ length: 50 }, (_v, k) => holed.times[1999]! + (k + 1) * HOUR)]),
      target: Float64Array.from([...holed.target, ...new Array<number>(50).fill(Number.NaN)]),
      features: Object.fromEntries(Object.entries(holed.features).map(([k, v]) => [k, Float64Array.from([...v, ...new Array<number>(50).fill(1e6)])])),
    };
    const b = await make(ridge);
    b.fit(padded);
    expect(b.params()).toEqual(a.params());
  });

  it('standardisation statistics come from the training rows only (test rows never move them)', async () => {
    const m = await make(ridge);
    m.fit(train);
    const p = m.params()!;
    const x1 = train.features.x1!;
    const mu = x1.reduce((s, v) => s + v, 0) / x1.length;
    const sd = Math.sqrt(x1.reduce((s, v) => s + (v - mu) ** 2, 0) / x1.length);
    expect(p.mean[0]).toBeCloseTo(mu, 12);
    expect(p.std[0]).toBeCloseTo(sd, 12);
    m.predict(withFeature(test, 'x1', (v) => v * 100 + 7));
    expect(m.params()).toEqual(p);
  });

  it('uses only the newest maxTrainRows usable rows', async () => {
    const m = await make(ridge, { ...opts, maxTrainRows: 1000 });
    // The older half follows another law; only the newer 1000 rows may count.
    const old = synthetic(1000, [-2, 2], { seed: 13 });
    const mixed: TrainingSet = {
      ...train,
      target: Float64Array.from([...old.target, ...train.target.subarray(1000)]),
      features: { ...train.features, x1: Float64Array.from([...old.features.x1!, ...train.features.x1!.subarray(1000)]), x2: Float64Array.from([...old.features.x2!, ...train.features.x2!.subarray(1000)]) },
    };
    m.fit(mixed);
    expect(decodeEnvelope(m.serialize().bytes).header.trainRows).toBe(1000);
    expect(m.params()!.coef[0]).toBeGreaterThan(0);
  });

  it('huber, fitted through the plugin, shrugs off crash bars that tilt ridge', async () => {
    const clean = synthetic(3000, [0.4, -0.2], { seed: 21, noise: 0.5 });
    // 3% of hours are shocks of 20 sigma, in the direction of x1 (a leverage-free but one-sided pull).
    const shocked: TrainingSet = { ...clean, target: clean.target.map((y, i) => (i % 33 === 0 ? y + 0.01 * 20 * Math.sign(clean.features.x1![i]!) : y)) };
    const fitCoef = async (plugin: typeof ridge | typeof huber, s: TrainingSet) => {
      const m = await make(plugin);
      m.fit(s);
      return m.params()!.coef[0]! / m.params()!.std[0]!;
    };
    const hMove = Math.abs((await fitCoef(huber, shocked)) - (await fitCoef(huber, clean)));
    const rMove = Math.abs((await fitCoef(ridge, shocked)) - (await fitCoef(ridge, clean)));
    expect(hMove).toBeLessThan(0.05);
    expect(rMove).toBeGreaterThan(0.3);
  });

  it('clips standardised inputs: a 50-sigma value predicts like a clip-sigma one', async () => {
    const m = await make(ridge, { ...opts, clip: 3 });
    m.fit(train);
    const p = m.params()!;
    const at = (v: number) => m.predict({ ...test, features: { ...test.features, x1: test.features.x1!.map(() => v) } })[0]!.point;
    expect(at(p.mean[0]! + 50 * p.std[0]!)).toBe(at(p.mean[0]! + 3 * p.std[0]!));
  });

  for (const plugin of [ridge, huber]) {
    it(`${plugin.name}: save -> load predicts identically and refuses other blobs`, async () => {
      const m = await make(plugin);
      m.fit(train);
      const blob = m.serialize();
      expect(blob.format).toBe('onnx');
      const o = plugin.optionsSchema.parse(opts) as never;
      const loaded = await plugin.load(blob, o);
      expect(await loaded.predict(test)).toEqual(m.predict(test));
      const other = plugin === ridge ? huber : ridge;
      await expect(async () => other.load(blob, other.optionsSchema.parse(opts) as never)).rejects.toThrow(/holds a "\w+" model/);
      await expect(async () => plugin.load({ format: 'json', bytes: blob.bytes }, o)).rejects.toThrow(/cannot load format "json"/);
    });
  }

  it('says how many rows it needs', async () => {
    const m = await make(ridge);
    expect(() => m.fit(synthetic(200, [0.4, -0.2]))).toThrow(/\[ridge\] needs more usable training rows .* got 200/);
    expect(() => m.predict(test)).toThrow(/predict\(\) called before fit\(\)/);
  });
});
