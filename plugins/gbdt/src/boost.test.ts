import { describe, expect, it } from 'vitest';
import { trainGbdt } from './boost.js';
import { featureImportance, predict, predictRaw } from './ensemble.js';
import { trainForest } from './forest.js';
import { mulberry32 } from './rng.js';

/** y = step(x0) + 0.5 x1 + noise; x2 is pure noise; x0 is NaN on 10% of rows where y gets +3. */
function synthetic(n: number, seed = 7) {
  const rng = mulberry32(seed);
  const nF = 3;
  const x = new Float64Array(nF * n);
  const y = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const a = rng() * 2 - 1, b = rng() * 2 - 1, c = rng();
    const miss = rng() < 0.1;
    x[r] = miss ? Number.NaN : a;
    x[n + r] = b;
    x[2 * n + r] = c;
    y[r] = (miss ? 3 : a > 0.2 ? 1 : -1) + 0.5 * b + 0.1 * (rng() - 0.5);
  }
  return { x, y, nRows: n, nFeatures: nF };
}

const mse = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0) / a.length;

describe('gbdt', () => {
  const train = synthetic(2000);
  const test = synthetic(1000, 99);

  it('learns a step, a slope and a missing-value direction', () => {
    const { ensemble } = trainGbdt(train, { nEstimators: 100, learningRate: 0.2, maxDepth: 3 });
    const yhat = predict(ensemble, test.x, test.nRows);
    expect(mse(yhat, test.y)).toBeLessThan(0.02);
    // rows with x0 missing predict near 3 (+ 0.5 x1): NaN learned its own branch
    for (let r = 0; r < test.nRows; r++) if (Number.isNaN(test.x[r]!)) expect(Math.abs(yhat[r]! - test.y[r]!)).toBeLessThan(0.3);
  });

  it('is deterministic for a seed and changes with it', () => {
    const p = { nEstimators: 30, subsample: 0.7, colsampleByTree: 0.67 };
    const a = predictRaw(trainGbdt(train, { ...p, seed: 3 }).ensemble, test.x, test.nRows);
    const b = predictRaw(trainGbdt(train, { ...p, seed: 3 }).ensemble, test.x, test.nRows);
    const c = predictRaw(trainGbdt(train, { ...p, seed: 4 }).ensemble, test.x, test.nRows);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('gain importance ranks the noise feature last', () => {
    const imp = featureImportance(trainGbdt(train, { nEstimators: 50 }).ensemble);
    expect(imp[2]!).toBeLessThan(imp[0]!);
    expect(imp[2]!).toBeLessThan(imp[1]!);
    expect(imp.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 9);
  });

  it('early-stops on the last rows and keeps the best prefix', () => {
    const r = trainGbdt(train, { nEstimators: 2000, learningRate: 0.3, validationFraction: 0.2, earlyStoppingRounds: 10 });
    expect(r.ensemble.trees.length).toBeLessThan(2000);
    expect(r.ensemble.trees.length).toBe(r.bestIteration + 1);
    const best = Math.min(...r.validLoss);
    expect(r.validLoss[r.bestIteration]).toBe(best);
    expect(r.validLoss.length - 1 - r.bestIteration).toBe(10);
  });

  it('bins come from the training rows only: validation rows beyond the range do not move the splits', () => {
    const a = trainGbdt(train, { nEstimators: 20, validationFraction: 0.25 });
    const shifted = { ...train, x: train.x.slice() };
    for (let r = Math.floor(train.nRows * 0.75); r < train.nRows; r++) shifted.x[train.nRows + r] = 1000 + r;
    const b = trainGbdt(shifted, { nEstimators: 20, validationFraction: 0.25, earlyStoppingRounds: 1000 });
    const c = trainGbdt(train, { nEstimators: 20, validationFraction: 0.25, earlyStoppingRounds: 1000 });
    expect(Array.from(b.ensemble.trees[0]!.threshold)).toEqual(Array.from(c.ensemble.trees[0]!.threshold));
    expect(a.ensemble.trees.length).toBeGreaterThan(0);
  });

  it('leaf-wise growth honours maxLeaves; depth-wise honours maxDepth', () => {
    const lw = trainGbdt(train, { nEstimators: 5, growPolicy: 'leafwise', maxLeaves: 7, maxDepth: 20, minChildWeight: 1 }).ensemble;
    for (const t of lw.trees) expect(Array.from(t.left).filter((l) => l < 0).length).toBeLessThanOrEqual(7);
    expect(Array.from(lw.trees[0]!.left).filter((l) => l < 0).length).toBe(7);
    const dw = trainGbdt(train, { nEstimators: 5, maxDepth: 2, minChildWeight: 1 }).ensemble;
    for (const t of dw.trees) expect(t.left.length).toBeLessThanOrEqual(7);
  });

  it('quantile objective: about alpha of the targets fall below the prediction', () => {
    for (const alpha of [0.1, 0.9]) {
      const { ensemble } = trainGbdt(train, { objective: 'quantile', alpha, nEstimators: 40, learningRate: 0.25 });
      const yhat = predict(ensemble, test.x, test.nRows);
      const below = test.y.reduce((s, v, i) => s + (v <= yhat[i]! ? 1 : 0), 0) / test.nRows;
      expect(Math.abs(below - alpha)).toBeLessThan(0.05);
    }
  });

  it('logistic objective predicts calibrated probabilities of y > 0', () => {
    const yb = train.y.map((v) => (v > 0 ? 1 : 0));
    const { ensemble } = trainGbdt({ ...train, y: yb }, { objective: 'logistic', nEstimators: 100, learningRate: 0.1 });
    const p = predict(ensemble, test.x, test.nRows);
    let acc = 0;
    p.forEach((v, i) => (acc += (v > 0.5) === test.y[i]! > 0 ? 1 : 0));
    expect(acc / test.nRows).toBeGreaterThan(0.95);
    for (const v of p) expect(v > 0 && v < 1).toBe(true);
  });

  it('rows with a NaN target are ignored', () => {
    const y = train.y.slice();
    for (let r = 0; r < 100; r++) y[r] = Number.NaN;
    const { ensemble } = trainGbdt({ ...train, y }, { nEstimators: 20 });
    expect(Number.isFinite(ensemble.base)).toBe(true);
    for (const v of predict(ensemble, test.x, test.nRows)) expect(Number.isFinite(v)).toBe(true);
  });
});

describe('random forest', () => {
  const train = synthetic(2000);
  const test = synthetic(1000, 99);
  it('fits the same function by averaging bootstrap trees, deterministically', () => {
    const f = trainForest(train, { nTrees: 30, colsampleByNode: 0.67, minChildWeight: 5 });
    const yhat = predict(f, test.x, test.nRows);
    expect(mse(yhat, test.y)).toBeLessThan(0.05);
    const g = trainForest(train, { nTrees: 30, colsampleByNode: 0.67, minChildWeight: 5 });
    expect(Array.from(predict(g, test.x, test.nRows))).toEqual(Array.from(yhat));
  });
});

describe('quantileOf', () => {
  it('matches the sorted definition (type 7) on random data with ties', async () => {
    const { quantileOf } = await import('./objectives.js');
    const rng = mulberry32(11);
    for (let trial = 0; trial < 50; trial++) {
      const n = 1 + Math.floor(rng() * 40);
      const v = Float64Array.from({ length: n }, () => Math.round(rng() * 10) - 5);
      const s = v.slice().sort();
      for (const a of [0, 0.05, 0.25, 0.5, 0.9, 1]) {
        const pos = a * (n - 1), lo = Math.floor(pos), hi = Math.min(n - 1, lo + 1);
        expect(quantileOf(v, a)).toBeCloseTo(s[lo]! + (pos - lo) * (s[hi]! - s[lo]!), 12);
      }
    }
  });
});
