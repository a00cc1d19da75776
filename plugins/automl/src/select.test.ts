import { describe, expect, it } from 'vitest';
import { ValidationError } from '@satcast/core';
import { importancePrefilter, purgedFolds, purgedTimeSeriesCv, ridgeLearner, ridgeSubsetScorer, sequentialForwardSelection, sliceRows } from './index.js';
import { syntheticRows } from './test-data.js';

describe('purged time-series CV', () => {
  it('folds are in time order, never overlap, keep the gap, and validate after training', () => {
    for (const [n, folds, gap] of [[1000, 4, 24], [3001, 5, 4], [120, 3, 1]] as const) {
      const s = purgedFolds(n, { folds, gapRows: gap });
      expect(s).toHaveLength(folds);
      for (let k = 0; k < s.length; k++) {
        const f = s[k]!;
        expect(f.trainEnd).toBeGreaterThan(0);
        expect(f.validStart - f.trainEnd).toBe(gap);
        expect(f.validEnd).toBeGreaterThan(f.validStart);
        if (k > 0) {
          expect(f.validStart).toBeGreaterThanOrEqual(s[k - 1]!.validEnd); // validation folds disjoint
          expect(f.trainEnd).toBeGreaterThan(s[k - 1]!.trainEnd); // expanding window
        }
      }
      expect(s.at(-1)!.validEnd).toBe(n);
    }
    expect(() => purgedFolds(10, { folds: 5, gapRows: 4 })).toThrow(ValidationError);
    expect(() => purgedFolds(1000, { folds: 0, gapRows: 4 })).toThrow(/folds/);
  });

  it('the learner only sees training rows before each validation fold minus the gap; onFold can stop', async () => {
    const rows = syntheticRows(600, 3);
    const seen: [number, number, number][] = [];
    const r = await purgedTimeSeriesCv(rows, (train, valid) => {
      seen.push([train.times.at(-1)!, valid.times[0]!, valid.times.length]);
      return 1;
    }, { folds: 3, gapRows: 24 });
    expect(r.folds).toEqual([1, 1, 1]);
    for (const [lastTrain, firstValid] of seen) expect(firstValid - lastTrain).toBe(25 * 3_600_000);
    const stop = await purgedTimeSeriesCv(rows, (_t, _v, k) => k, { folds: 4, onFold: (k) => k === 1 });
    expect(stop).toMatchObject({ stopped: true, folds: [0, 1], mean: 0.5 });
  });

  it('the Gram subset scorer equals the plain ridge learner on the same folds', async () => {
    const rows = syntheticRows(2000, 6);
    const names = ['f0', 'f3', 'f1'];
    const fast = ridgeSubsetScorer(rows, ['f5', ...names, 'f4'], { folds: 4, volFeature: 'ewma_vol' })(names);
    const sub = { ...rows, features: { ...Object.fromEntries(names.map((n) => [n, rows.features[n]!])), ewma_vol: rows.features.ewma_vol! } };
    const slow = await purgedTimeSeriesCv(sub, ridgeLearner({ volFeature: 'ewma_vol' }), { folds: 4 });
    expect(fast.folds.map((x) => x.toFixed(10))).toEqual(slow.folds.map((x) => x.toFixed(10)));
    // Informative features beat the intercept-only model.
    const none = ridgeSubsetScorer(rows, names, { folds: 4, volFeature: 'ewma_vol' })([]);
    expect(fast.mean).toBeLessThan(none.mean * 0.95);
  });
});

describe('feature selection', () => {
  const rows = syntheticRows(3000, 30, 7);
  const candidates = Object.keys(rows.features).filter((f) => f !== 'ewma_vol');

  it('the prefilter ranks the informative features first', () => {
    const top = importancePrefilter(rows, candidates, { count: 3, volFeature: 'ewma_vol' });
    expect(top.map((t) => t.name).sort()).toEqual(['f0', 'f1', 'f2']);
    expect(() => importancePrefilter(rows, ['nope'])).toThrow(/nope/);
    expect(() => importancePrefilter(rows, candidates, { count: 0 })).toThrow(ValidationError);
  });

  it('SFS picks the informative features and stops when nothing helps', async () => {
    const score = ridgeSubsetScorer(rows, candidates, { folds: 4, volFeature: 'ewma_vol' });
    const r = await sequentialForwardSelection(candidates, score, { maxFeatures: 20, minImprovement: 2e-3 });
    expect(r.selected.slice(0, 3)).toEqual(['f0', 'f1', 'f2']);
    expect(r.selected.length).toBeLessThanOrEqual(4);
    expect(r.stoppedBy).toBe('no-improvement');
    expect(r.path.map((p) => p.score)).toEqual([...r.path.map((p) => p.score)].sort((a, b) => b - a));
  });

  it('respects maxFeatures and the 200 cap, time budget and abort', async () => {
    const many = Array.from({ length: 260 }, (_, i) => `c${i}`);
    // Every extra feature helps a little: only the caps stop it.
    const score = (set: readonly string[]) => 1 / (1 + set.length) + set.reduce((s, c) => s + Number(c.slice(1)) * 1e-9, 0);
    expect((await sequentialForwardSelection(many, score, { maxFeatures: 5 })).selected).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
    const capped = await sequentialForwardSelection(many, score, { maxFeatures: 200 });
    expect(capped.selected).toHaveLength(200);
    expect(capped.stoppedBy).toBe('max-features');
    await expect(sequentialForwardSelection(many, score, { maxFeatures: 201 })).rejects.toMatchObject({ field: 'maxFeatures' });
    await expect(sequentialForwardSelection(many, score, { minImprovement: -1 })).rejects.toMatchObject({ field: 'minImprovement' });
    let now = 0;
    const timed = await sequentialForwardSelection(many.slice(0, 20), (s) => { now += 10; return score(s); }, { timeBudgetMs: 250, clock: () => now });
    expect(timed.stoppedBy).toBe('time');
    expect(timed.evaluations).toBe(25);
    expect(timed.selected).toEqual(['c0', 'c1']); // 20 evaluations complete step 1, the cut step 2 keeps its best
    const ac = new AbortController();
    ac.abort();
    expect((await sequentialForwardSelection(many, score, { signal: ac.signal })).stoppedBy).toBe('abort');
  });

  it('scoring slices never read rows outside the fold', () => {
    const s = sliceRows(rows, 10, 20);
    expect(s.target.length).toBe(10);
    expect(s.features.f0![0]).toBe(rows.features.f0![10]);
  });
});
