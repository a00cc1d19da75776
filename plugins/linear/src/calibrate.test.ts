import { describe, expect, it } from 'vitest';
import { fitPlatt, residualQuantiles, sigmoid } from './index.js';
import { rng } from './test-rows.js';

describe('calibration', () => {
  it('Platt scaling recovers a known logistic relation', () => {
    const r = rng(3);
    const n = 20_000;
    const s = Float64Array.from({ length: n }, () => r.normal());
    const up = Float64Array.from(s, (v) => (r.uniform() < sigmoid(1.5 * v - 0.3) ? 1 : 0));
    const p = fitPlatt(s, up);
    expect(p.a).toBeGreaterThan(1.35);
    expect(p.a).toBeLessThan(1.65);
    expect(p.b).toBeGreaterThan(-0.4);
    expect(p.b).toBeLessThan(-0.2);
    expect(p.zMin!).toBeLessThan(-2);
    expect(p.zMax!).toBeGreaterThan(2);
  });

  it('Platt on uninformative scores gives the smoothed base rate, never certainty', () => {
    const p = fitPlatt(new Float64Array(10).fill(0.3), Float64Array.from([1, 1, 1, 1, 1, 1, 1, 1, 1, 1]));
    const pUp = sigmoid(p.a * 0.3 + p.b);
    expect(pUp).toBeLessThan(0.95);
    expect(pUp).toBeGreaterThan(0.8);
  });

  it('residual quantiles are the empirical quantiles of z - zHat, non-decreasing', () => {
    const z = Float64Array.from({ length: 101 }, (_v, i) => i);
    const q = residualQuantiles(z, new Float64Array(101).fill(50));
    expect(q).toEqual({ p05: -45, p25: -25, p50: 0, p75: 25, p95: 45 });
  });
});
