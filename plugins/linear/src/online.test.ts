import { describe, expect, it } from 'vitest';
import { createPluginContext, type TrainingSet } from '@satcast/core';
import { decodeEnvelope, huber, ONLINE_BATCH, ONLINE_DECAY, ONLINE_MOMENTUM, ridge, type LinearModel } from './index.js';
import { sgdUpdate } from './online.js';
import { synthetic } from './test-rows.js';

const opts = { inputs: ['x1', 'x2', 'x3'], maxTrainRows: 5000 };
const mse = (m: LinearModel, s: TrainingSet) => {
  const f = m.predict(s);
  return f.reduce((acc, x, i) => acc + (x.point - s.target[i]!) ** 2, 0) / f.length;
};

describe('partialFit: online updates', () => {
  for (const plugin of [ridge, huber]) {
    it(`${plugin.name}: SGD on a shifted regime lowers the loss there (and on rows it did not train on)`, async () => {
      const m = (await plugin.create(plugin.optionsSchema.parse(opts) as never, createPluginContext())) as LinearModel;
      m.fit(synthetic(3000, [0.5, -0.3, 0], { seed: 1, noise: 0.5 }));
      // The regime shifts: the first coefficient flips and the third switches on.
      const shifted = synthetic(3000, [-0.5, -0.3, 0.4], { seed: 2, noise: 0.5 });
      const holdout = synthetic(2000, [-0.5, -0.3, 0.4], { seed: 3, noise: 0.5 });
      const before = mse(m, holdout);
      const report = m.partialFit(shifted);
      expect(report.rows).toBe(3000);
      expect(report.batches).toBe(3000 / ONLINE_BATCH);
      expect(report.lossAfter).toBeLessThan(report.lossBefore);
      const after = mse(m, holdout);
      expect(after).toBeLessThan(0.6 * before);
      expect(m.params()!.coef[0]).toBeLessThan(0);
    });
  }

  it('one step is momentum SGD: v = 0.9 v - lr g, then the step shrinks by 0.95 per batch of 100', () => {
    // The spec's constants, pinned here so the arithmetic below cannot drift with them.
    expect([ONLINE_BATCH, ONLINE_MOMENTUM, ONLINE_DECAY]).toEqual([100, 0.9, 0.95]);
    // Intercept-only problem with y = 1: the gradient of 0.5 (y - b)^2 w.r.t. b is -(1 - b).
    const d = { n: 200, p: 1, x: new Float64Array(200) };
    const w = Float64Array.from([0, 0]);
    const lr = 0.1;
    const s = sgdUpdate(w, d, new Float64Array(200).fill(1), { kind: 'squared', l2: 0 }, { lr, velocity: [], batches: 0 });
    const v1 = lr * 1;
    const b1 = v1;
    const v2 = ONLINE_MOMENTUM * v1 + ONLINE_DECAY * lr * (1 - b1);
    expect(w[0]).toBeCloseTo(b1 + v2, 14);
    expect(s.batches).toBe(2);
    expect(s.lr).toBeCloseTo(lr * ONLINE_DECAY ** 2, 14);
    expect(s.velocity[0]).toBeCloseTo(v2, 14);
  });

  it('Huber updates cap each row\'s pull at delta * scale (a shock batch moves it less than ridge)', () => {
    const d = { n: 100, p: 1, x: new Float64Array(100) };
    const y = new Float64Array(100).fill(50);
    const wR = Float64Array.from([0, 0]);
    const wH = Float64Array.from([0, 0]);
    const st = { lr: 0.1, velocity: [], batches: 0 };
    sgdUpdate(wR, d, y, { kind: 'squared', l2: 0 }, st);
    sgdUpdate(wH, d, y, { kind: 'huber', delta: 1.345, scale: 1, l2: 0 }, st);
    expect(wR[0]).toBeCloseTo(5, 12);
    expect(wH[0]).toBeCloseTo(0.1345, 12);
  });

  it('the online state survives serialize -> load (the step keeps decaying)', async () => {
    const o = ridge.optionsSchema.parse(opts);
    const m = (await ridge.create(o, createPluginContext())) as LinearModel;
    m.fit(synthetic(3000, [0.5, -0.3, 0], { seed: 1 }));
    m.partialFit(synthetic(500, [0.5, -0.3, 0], { seed: 4 }));
    const online = decodeEnvelope(m.serialize().bytes).header.extra.online as { lr: number; batches: number };
    expect(online.batches).toBe(5);
    expect(online.lr).toBeCloseTo(o.learningRate * ONLINE_DECAY ** 5, 14);
    const loaded = (await ridge.load(m.serialize(), o)) as LinearModel;
    const batch = synthetic(300, [0.5, -0.3, 0], { seed: 5 });
    m.partialFit(batch);
    loaded.partialFit(batch);
    expect(loaded.params()).toEqual(m.params());
  });

  it('refuses to update before fit', async () => {
    const m = (await ridge.create(ridge.optionsSchema.parse(opts), createPluginContext())) as LinearModel;
    expect(() => m.partialFit(synthetic(200, [1, 0, 0]))).toThrow(/\[ridge\] partialFit\(\) called before fit\(\)/);
  });
});
