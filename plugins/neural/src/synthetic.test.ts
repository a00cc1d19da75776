import { describe, expect, it } from 'vitest';
import { createPluginContext, ValidationError, type TrainingSet } from '@satcast/core';
import { lstm, transformer, type NeuralModel } from './index.js';
import { mse, syntheticRows } from './synthetic.fixture.js';

const ctx = createPluginContext();
const base = { inputs: ['a', 'b'], volFeature: 'vol', sequenceLength: 8, epochs: 15, patience: 3, learningRate: 0.01, batchSize: 32 };
const all = syntheticRows(4000);
const cut = 3000;
const slice = (s: number, e?: number) => ({
  horizon: all.horizon,
  times: all.times.slice(s, e),
  features: Object.fromEntries(Object.entries(all.features).map(([k, v]) => [k, v.slice(s, e)])),
  target: all.target.slice(s, e),
});
const train = slice(0, cut), test = slice(cut);
const zTest = all.z.slice(cut);
const context = { times: all.times.slice(cut - 7, cut), features: slice(cut - 7, cut).features };

async function fitted(def: typeof lstm | typeof transformer, extra: Record<string, unknown> = {}, data: TrainingSet = train) {
  const m = (await def.create(def.optionsSchema.parse({ ...base, ...extra }) as never, ctx)) as NeuralModel;
  await m.fit(data);
  return m;
}

describe.each([
  ['lstm', lstm, { hidden: 8 }],
  ['transformer', transformer, { dModel: 8, ffn: 16 }],
] as const)('%s on a lagged synthetic signal', (_name, def, arch) => {
  it('learns z_i = a_(i-5) + noise, which a one-bar window cannot see', async () => {
    const seqModel = await fitted(def, arch);
    const rowModel = await fitted(def, { ...arch, sequenceLength: 1 });
    const zeroMse = mse(new Float64Array(zTest.length), zTest);
    const seqMse = mse(seqModel.zHat({ ...test, context }), zTest);
    const rowMse = mse(rowModel.zHat(test), zTest);
    // z has variance 1.25, of which 1 is explained by a_(i-5): the best possible MSE is 0.25.
    expect(seqMse).toBeLessThan(0.6 * zeroMse);
    expect(rowMse).toBeGreaterThan(0.9 * zeroMse);
    // The band is the calibration fold's residual spread: about +-1.645 * 0.5 around zHat when learnt.
    const f = seqModel.predict({ ...test, context });
    let cover = 0;
    f.forEach((x, i) => (cover += test.target[i]! >= x.quantiles.p05 && test.target[i]! <= x.quantiles.p95 ? 1 : 0));
    expect(cover / f.length).toBeGreaterThan(0.8);
    expect(cover / f.length).toBeLessThan(0.97);
    // pUp follows the learnt signal: higher for rows whose zHat is high.
    const hi = f.filter((x) => (x.info!.z as number) > 1), lo = f.filter((x) => (x.info!.z as number) < -1);
    const mean = (xs: typeof f) => xs.reduce((s, x) => s + x.pUp, 0) / xs.length;
    expect(mean(hi)).toBeGreaterThan(0.75);
    expect(mean(lo)).toBeLessThan(0.25);
  });

  it('calibration and validation targets never move the fitted weights beyond early stopping', async () => {
    const a = await fitted(def, { ...arch, epochs: 3, patience: 3 });
    // Scramble the targets of the calibration fold (newest 20%): the weights must not change.
    const target = train.target.slice();
    for (let i = Math.floor(cut * 0.8) + 2; i < cut; i++) target[i] = -3 * target[i]! + 0.01;
    const b = await fitted(def, { ...arch, epochs: 3, patience: 3 }, { ...train, target });
    expect(b.zHat(test)).toEqual(a.zHat(test));
    expect(b.header().calibration.residualQuantiles).not.toEqual(a.header().calibration.residualQuantiles);
  });

  it('stops early on noise: validation loss stops improving, the best epoch is kept', async () => {
    const noise = syntheticRows(3000, { noise: 1, lag: 10_000, seed: 5 });
    const m = await fitted(def, { ...arch, epochs: 60, patience: 2, learningRate: 0.01 }, noise);
    const info = m.header().info;
    expect(info.epochs).toBeLessThan(60);
    expect(info.epochs - info.bestEpoch).toBe(2);
  });
});

describe('options and inputs', () => {
  it('bad options are a ValidationError naming the field', async () => {
    const bad = async (def: typeof lstm | typeof transformer, o: Record<string, unknown>, field: string) => {
      const parsed = { ...def.optionsSchema.parse({}), ...o };
      let err: unknown;
      try {
        await def.create(parsed as never, ctx);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).field).toBe(field);
      expect((err as Error).message).toContain(field);
    };
    await bad(lstm, { hidden: 0 }, 'hidden');
    await bad(lstm, { sequenceLength: 2.5 }, 'sequenceLength');
    await bad(transformer, { dModel: 15, heads: 2 }, 'dModel');
    await bad(transformer, { pooling: 'max' }, 'pooling');
    expect(() => lstm.optionsSchema.parse({ hiden: 8 })).toThrow();
  });

  it('a missing input feature is named; predicting before fit is refused', async () => {
    const m = await lstm.create(lstm.optionsSchema.parse({ ...base, inputs: ['a', 'nope'] }), ctx);
    await expect(Promise.resolve().then(() => m.fit(train))).rejects.toThrow(/\[lstm\] missing input feature "nope"/);
    expect(() => m.predict(test)).toThrow(/before fit/);
    expect(lstm.inputs(lstm.optionsSchema.parse({ inputs: ['rsi_14'] }))).toEqual(['rsi_14', 'ewma_vol']);
    expect(lstm.capabilities.sequenceLength).toBe(24);
  });
});
