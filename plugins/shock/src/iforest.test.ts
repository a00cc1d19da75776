import { describe, expect, it } from 'vitest';
import { seededRandom } from '@satcast/core';
import { averagePathLength, IsolationForest } from './iforest.js';
import { SortedWindow } from './features.js';
import { normals } from './sim.fixture.js';

/** AUC of scores for positives vs negatives (Mann-Whitney, ties count half). */
function auc(pos: number[], neg: number[]): number {
  let s = 0;
  for (const p of pos) for (const q of neg) s += p > q ? 1 : p === q ? 0.5 : 0;
  return s / (pos.length * neg.length);
}

describe('isolation forest', () => {
  it('c(n) matches the paper: c(2) = 1, c(256) ~ 10.24', () => {
    expect(averagePathLength(1)).toBe(0);
    expect(averagePathLength(2)).toBe(1);
    expect(averagePathLength(256)).toBeCloseTo(10.24, 1);
  });

  it('injected outliers score > 0.6, normal points lower (AUC > 0.9)', () => {
    const d = 6;
    const z = normals(11);
    const rnd = seededRandom(12);
    const nTrain = 2000;
    // correlated Gaussian cloud with one fat-tailed dimension, like returns at several horizons
    const draw = (out: Float64Array, off: number) => {
      const common = z();
      for (let k = 0; k < d; k++) out[off + k] = 0.7 * common + 0.7 * z();
      out[off + 5] = z() / Math.max(0.3, Math.sqrt(rnd())); // heavy tail
    };
    const train = new Float64Array(nTrain * d);
    for (let i = 0; i < nTrain; i++) draw(train, i * d);
    const forest = IsolationForest.fit(train, nTrain, d, seededRandom(5));
    const x = new Float64Array(d);
    const normal: number[] = [];
    for (let i = 0; i < 500; i++) (draw(x, 0), normal.push(forest.score(x)));
    // a shock moves several dimensions at once (a crash: 1h/4h/24h returns, range and volume together),
    // each 4-7 sd out, with random signs
    const outliers: number[] = [];
    for (let i = 0; i < 50; i++) {
      draw(x, 0);
      const sign = rnd() < 0.5 ? -1 : 1;
      for (let k = 0; k < 5; k++) if (rnd() < 0.8) x[k] = sign * (4 + 3 * rnd());
      outliers.push(forest.score(x));
    }
    // reported only: a single dimension 6-8 sd out is much harder for axis-aligned random splits
    const single: number[] = [];
    for (let i = 0; i < 50; i++) {
      draw(x, 0);
      x[Math.floor(rnd() * 5)] = (rnd() < 0.5 ? -1 : 1) * (6 + 2 * rnd());
      single.push(forest.score(x));
    }
    const a = auc(outliers, normal);
    const minOut = Math.min(...outliers);
    const medNormal = normal.sort((p, q) => p - q)[250]!;
    console.log(`[iforest] synthetic multi-dim shocks: AUC ${a.toFixed(4)}, share > 0.6 ${(outliers.filter((s) => s > 0.6).length / 50).toFixed(2)}, min ${minOut.toFixed(3)}; median normal ${medNormal.toFixed(3)}; single-dim 6-8 sd: AUC ${auc(single, normal).toFixed(4)}, share > 0.6 ${(single.filter((s) => s > 0.6).length / 50).toFixed(2)}`);
    expect(a).toBeGreaterThan(0.9);
    expect(outliers.filter((s) => s > 0.6).length / outliers.length).toBeGreaterThan(0.9);
    expect(medNormal).toBeLessThan(0.5);
  });

  it('is deterministic for a seed and rejects too few rows', () => {
    const data = Float64Array.from({ length: 600 }, (_, i) => Math.sin(i * 1.7));
    const a = IsolationForest.fit(data, 300, 2, seededRandom(1));
    const b = IsolationForest.fit(data, 300, 2, seededRandom(1));
    expect(a.score([0.3, 2])).toBe(b.score([0.3, 2]));
    expect(a.score([Number.NaN, 0])).toBeNaN();
    expect(() => IsolationForest.fit(data, 1, 2, seededRandom(1))).toThrow(/at least 2 rows/);
  });
});

describe('rolling median / MAD window (volume z)', () => {
  it('matches a brute-force sort, ties included', () => {
    const r = seededRandom(3);
    for (const cap of [7, 8, 168]) {
      const w = new SortedWindow(cap);
      const hist: number[] = [];
      const med = (a: number[]) => (a.length % 2 ? a[(a.length - 1) / 2]! : (a[a.length / 2 - 1]! + a[a.length / 2]!) / 2);
      for (let t = 0; t < 600; t++) {
        const x = Math.floor(r() * 20) / 4;
        w.push(x);
        hist.push(x);
        if (!w.full) continue;
        const last = hist.slice(-cap).sort((a, b) => a - b);
        const m = med(last);
        expect(w.median()).toBe(m);
        expect(w.mad(m)).toBeCloseTo(med(last.map((v) => Math.abs(v - m)).sort((a, b) => a - b)), 12);
      }
    }
  });
});
