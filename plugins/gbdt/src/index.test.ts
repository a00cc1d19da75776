import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { createPluginContext } from '@satcast/core';
import { scoreReturnForecasts, testModel } from '@satcast/core/testing';
import gbdtDefault, { forest, gbdt } from './index.js';
import { realSplit } from './real-data.fixture.js';

const FROM = Date.UTC(2023, 0, 1), CUT = Date.UTC(2023, 6, 1), TO = Date.UTC(2023, 8, 1);

for (const horizon of ['1h', '4h', '24h'] as const) {
  const { train, test } = await realSplit(horizon, FROM, CUT, TO);
  testModel({ plugin: gbdt, options: {}, train, test });
  testModel({ plugin: forest, options: { nTrees: 25 }, train, test });
}

describe('gbdt plugin: behaviour on real data', () => {
  it('is the default export', () => expect(gbdtDefault).toBe(gbdt));

  it('json and onnx serialisations load to the same predictions', async () => {
    const { train, test } = await realSplit('4h', FROM, CUT, TO);
    const o = gbdt.optionsSchema.parse({ format: 'json' });
    const m = await gbdt.create(o, createPluginContext());
    await m.fit(train);
    const a = await m.predict(test);
    const blob = m.serialize();
    expect(blob.format).toBe('json');
    const b = await (await gbdt.load(blob, o)).predict(test);
    expect(b).toEqual(a);
  });

  it('its 90% band covers about 90% of the next two months and widens with volatility', async () => {
    const { train, test } = await realSplit('1h', FROM, CUT, TO);
    const m = await gbdt.create(gbdt.optionsSchema.parse({}), createPluginContext());
    await m.fit(train);
    const f = await m.predict(test);
    const s = scoreReturnForecasts(f, test.target);
    expect(s.coverage90).toBeGreaterThan(0.8);
    expect(s.coverage90).toBeLessThan(0.97);
    const vol = test.features.ewma_vol!;
    const w = f.map((x) => x.quantiles.p95 - x.quantiles.p05);
    const byVol = w.map((v, i) => [vol[i]!, v] as const).sort((p, q) => p[0] - q[0]);
    const mean = (xs: (readonly [number, number])[]) => xs.reduce((t, p) => t + p[1], 0) / xs.length;
    expect(mean(byVol.slice(-200))).toBeGreaterThan(1.5 * mean(byVol.slice(0, 200)));
  });

  it('the serialized ONNX model runs in onnxruntime and outputs the standardised forecast f(x)', async () => {
    const { train, test } = await realSplit('4h', FROM, CUT, TO);
    const o = gbdt.optionsSchema.parse({});
    const m = await gbdt.create(o, createPluginContext());
    await m.fit(train);
    const f = await m.predict(test);
    const blob = m.serialize();
    expect(blob.format).toBe('onnx');
    const n = test.times.length, k = o.inputs.length;
    const x = new Float32Array(n * k);
    o.inputs.forEach((name, j) => test.features[name]!.forEach((v, r) => (x[r * k + j] = v)));
    const session = await ort.InferenceSession.create(blob.bytes);
    const y = (await session.run({ X: new ort.Tensor('float32', x, [n, k]) })).Y!.data as Float32Array;
    f.forEach((fc, r) => expect(Math.abs(y[r]! - (fc.info!.z as number))).toBeLessThan(1e-5));
    // point = sigma_h * f(x): a consumer of the ONNX file needs only sigma_h and the sidecar
    f.forEach((fc) => fc.info!.sigma !== null && expect(fc.point).toBeCloseTo((fc.info!.sigma as number) * (fc.info!.z as number), 12));
  });

  it('pUp stays near a coin flip on BTC (no fake certainty)', async () => {
    const { train, test } = await realSplit('24h', FROM, CUT, TO);
    const m = await forest.create(forest.optionsSchema.parse({ nTrees: 25 }), createPluginContext());
    await m.fit(train);
    for (const x of await m.predict(test)) expect(Math.abs(x.pUp - 0.5)).toBeLessThan(0.25);
  });

  it('names a missing input feature and rejects unknown options', async () => {
    const { train } = await realSplit('1h', FROM, CUT, TO);
    const m = await gbdt.create(gbdt.optionsSchema.parse({ inputs: ['rsi_14', 'nope'] }), createPluginContext());
    expect(() => m.fit(train)).toThrow(/\[gbdt\] missing input feature "nope"/);
    expect(() => gbdt.optionsSchema.parse({ maxDepht: 3 })).toThrow();
    expect(gbdt.inputs(gbdt.optionsSchema.parse({ inputs: ['rsi_14'] }))).toEqual(['rsi_14', 'ewma_vol']);
  });

  it('ignores rows with a NaN target and refuses to predict before fit', async () => {
    const { train, test } = await realSplit('1h', FROM, CUT, TO);
    const m = await gbdt.create(gbdt.optionsSchema.parse({ nEstimators: 20 }), createPluginContext());
    expect(() => m.predict(test)).toThrow(/before fit/);
    const target = train.target.slice();
    for (let i = 0; i < target.length; i += 3) target[i] = Number.NaN;
    await m.fit({ ...train, target });
    for (const x of await m.predict(test)) expect(Number.isFinite(x.point)).toBe(true);
  });
});
