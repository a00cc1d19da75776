import { beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { createPluginContext, type PredictInput, type ReturnForecast } from '@satcast/core';
import { scoreReturnForecasts, testModel } from '@satcast/core/testing';
import neural, { lstm, onnxWindows, transformer, type NeuralModel } from './index.js';
import { realSplit } from './real-data.fixture.js';

const ctx = createPluginContext();

// The model contract on a short real period with small, fast settings.
{
  const { train, test } = await realSplit('1h', Date.UTC(2023, 0, 1), Date.UTC(2023, 6, 1), Date.UTC(2023, 7, 1));
  testModel({ plugin: lstm, options: { epochs: 2, maxTrainRows: 2000 }, train, test });
  testModel({ plugin: transformer, options: { epochs: 2, maxTrainRows: 2000 }, train, test });
  // 24h: the fold gaps are 24 rows long
  const day = await realSplit('24h', Date.UTC(2023, 0, 1), Date.UTC(2023, 6, 1), Date.UTC(2023, 7, 1));
  testModel({ plugin: lstm, options: { epochs: 2, maxTrainRows: 2000 }, train: day.train, test: day.test });
}

// Two years of real hourly rows for 1h, tested on the following three months.
const FROM = Date.UTC(2022, 0, 1), CUT = Date.UTC(2024, 0, 1), TO = Date.UTC(2024, 3, 1);
const { train, test } = await realSplit('1h', FROM, CUT, TO);

type Def = typeof lstm | typeof transformer;

describe.each([
  ['lstm', lstm],
  ['transformer', transformer],
] as const)('%s on two years of real BTC hours', (name, def: Def) => {
  // Default options, but at most 3 epochs to keep the package's test run short (the LSTM's best epoch
  // with the defaults is 3 anyway; README has the full-default numbers from the bench).
  const o = def.optionsSchema.parse({ epochs: 3 });
  const L = o.sequenceLength;
  const inputs = def.inputs(o as never);
  const context = { times: train.times.slice(-(L - 1)), features: Object.fromEntries(inputs.map((k) => [k, train.features[k]!.slice(-(L - 1))])) };
  const withContext: PredictInput = { ...test, context };
  let m: NeuralModel;
  let f: ReturnForecast[];
  beforeAll(async () => {
    m = (await def.create(o as never, ctx)) as NeuralModel;
    await m.fit(train);
    f = await m.predict(withContext);
  });

  it('its 90% band covers 85-95% of the next three months', () => {
    const s = scoreReturnForecasts(f, test.target);
    const info = m.header().info;
    console.log(`[${name}] coverage90 ${s.coverage90.toFixed(4)} mae ${s.mae.toExponential(4)} persistence ${s.persistenceMae.toExponential(4)} epochs ${info.epochs} best ${info.bestEpoch} fit ${info.fitMs} ms`);
    expect(s.n).toBeGreaterThan(2000);
    expect(s.coverage90).toBeGreaterThanOrEqual(0.85);
    expect(s.coverage90).toBeLessThanOrEqual(0.95);
    for (const x of f) expect(Math.abs(x.pUp - 0.5)).toBeLessThan(0.25);
  });

  it('the ONNX file in onnxruntime-node gives the same zHat (context, NaN holes, no context)', async () => {
    const holes = Object.fromEntries(Object.entries(test.features).map(([k, v]) => [k, v.slice()]));
    for (let i = 100; i < 2000; i += 97) holes[inputs[i % inputs.length]!]![i] = Number.NaN;
    const cases: PredictInput[] = [withContext, { ...test, features: holes }];
    const session = await ort.InferenceSession.create(m.serialize().bytes);
    let worst = 0;
    for (const input of cases) {
      const n = input.times.length;
      const out = await session.run({ x: new ort.Tensor('float32', onnxWindows(input, o.inputs, L, o.barMs), [n, L, o.inputs.length]) });
      const y = out.zHat!.data as Float32Array;
      const z = m.zHat(input);
      for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(y[i]! - z[i]!));
    }
    console.log(`[${name}] ONNX parity max |zHat_ts - zHat_onnx| = ${worst.toExponential(3)}`);
    expect(worst).toBeLessThan(1e-4);
  });

  it('serialize then load (onnx and json) predicts identically', async () => {
    const a = await def.load(m.serialize(), o as never);
    expect(await a.predict(withContext)).toEqual(f);
    const j = def.optionsSchema.parse({ epochs: 3, format: 'json' });
    const viaJson = (await def.create(j as never, ctx)) as NeuralModel;
    // same fitted state, other format: reload the onnx blob with json options and serialise again
    const reloaded = await def.load(m.serialize(), j as never);
    const blob = reloaded.serialize();
    expect(blob.format).toBe('json');
    expect(await (await def.load(blob, j as never)).predict(withContext)).toEqual(f);
    expect(() => viaJson.serialize()).toThrow(/before fit/);
  });

  it('no look-ahead: rows up to T do not change when rows after T are altered', async () => {
    const T = 1000;
    const moved = Object.fromEntries(Object.entries(test.features).map(([k, v]) => [k, v.map((x, i) => (i > T ? x * -3 + 0.5 : x))]));
    const g = await m.predict({ ...withContext, features: moved });
    expect(g.slice(0, T + 1)).toEqual(f.slice(0, T + 1));
    expect(g.slice(T + 1)).not.toEqual(f.slice(T + 1));
  });

  it('reads its context, and answers without it (imputed history)', async () => {
    const none = await m.predict(test);
    const short = await m.predict({ ...test, context: { times: context.times.slice(-3), features: Object.fromEntries(Object.entries(context.features).map(([k, v]) => [k, v.slice(-3)])) } });
    for (const x of [...none, ...short]) {
      expect(Number.isFinite(x.point) && Number.isFinite(x.pUp) && Number.isFinite(x.quantiles.p05)).toBe(true);
    }
    expect(none[0]!.point).not.toBe(f[0]!.point);
    // from row L - 1 on, every window lies inside the input rows: context no longer matters
    expect(none.slice(L - 1)).toEqual(f.slice(L - 1));
  });
});

it('default export lists both plugins', () => {
  expect(neural).toEqual([lstm, transformer]);
  expect(lstm.capabilities.formats).toEqual(['onnx', 'json']);
});
