import { describe, expect, it } from 'vitest';
import {
  benjaminiHochberg, dieboldMariano, holm, incompleteBeta, kolmogorovQ, ksTwoSample, neweyWestLag, neweyWestVariance, normalCdf, psi, studentTCdf,
} from './stats.js';
import { normals } from './test-util.js';

describe('distributions', () => {
  it('normal CDF matches tables', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 9);
    expect(normalCdf(1.959963985)).toBeCloseTo(0.975, 7);
    expect(normalCdf(-1.644853627)).toBeCloseTo(0.05, 7);
    expect(1 - normalCdf(4.52267)).toBeCloseTo(3.0532e-6, 9);
  });

  it('Student t CDF matches tables', () => {
    expect(studentTCdf(2.776445, 4)).toBeCloseTo(0.975, 6); // t(0.975, 4)
    expect(studentTCdf(1.812461, 10)).toBeCloseTo(0.95, 6); // t(0.95, 10)
    expect(studentTCdf(0, 7)).toBeCloseTo(0.5, 12);
    expect(studentTCdf(-2.776445, 4)).toBeCloseTo(0.025, 6);
    // t(1) is Cauchy: F(1) = 3/4 exactly.
    expect(studentTCdf(1, 1)).toBeCloseTo(0.75, 10);
  });

  it('incomplete beta: I_x(1, 1) = x and I_x(2, 1) = x²', () => {
    expect(incompleteBeta(0.3, 1, 1)).toBeCloseTo(0.3, 12);
    expect(incompleteBeta(0.3, 2, 1)).toBeCloseTo(0.09, 12);
  });

  it('Kolmogorov tail: Q(1.0) = 0.2700, Q(1.358) = 0.0500', () => {
    expect(kolmogorovQ(1)).toBeCloseTo(0.27, 4);
    expect(kolmogorovQ(1.358)).toBeCloseTo(0.05, 3);
    expect(kolmogorovQ(0.1)).toBe(1);
  });
});

describe('Newey-West and Diebold-Mariano (hand-computed)', () => {
  // lossA − lossB = d = [1, 3, 2, 4, 5]: mean 3, deviations [−2, 0, −1, 1, 2].
  // γ0 = (4 + 0 + 1 + 1 + 4) / 5 = 2;  γ1 = (0·(−2) + (−1)·0 + 1·(−1) + 2·1) / 5 = 0.2.
  const a = [2, 4, 3, 5, 6];
  const b = [1, 1, 1, 1, 1];

  it('variance with lag 0 is γ0 and with lag 1 is γ0 + 2·(1/2)·γ1', () => {
    expect(neweyWestVariance([1, 3, 2, 4, 5], 0)).toBeCloseTo(2, 12);
    expect(neweyWestVariance([1, 3, 2, 4, 5], 1)).toBeCloseTo(2.2, 12);
  });

  it('DM lag 1: LRV 2.2, se √(2.2/5) = 0.663325, DM = 3/0.663325 = 4.522670, p = 3.0532e-6', () => {
    const r = dieboldMariano(a, b, { lag: 1 });
    expect(r.n).toBe(5);
    expect(r.meanDiff).toBeCloseTo(3, 12);
    expect(r.longRunVariance).toBeCloseTo(2.2, 12);
    expect(r.standardError).toBeCloseTo(0.663325, 6);
    expect(r.statistic).toBeCloseTo(4.52267, 5);
    expect(r.pValue).toBeCloseTo(3.0532e-6, 9);
  });

  it('DM lag 0: DM = 3/√0.4 = 4.743416', () => {
    expect(dieboldMariano(a, b, { lag: 0 }).statistic).toBeCloseTo(4.743416, 6);
  });

  it('HLN correction h=2: factor √((5+1−4+2/5)/5) = √0.48; DM* = 3.133398, p = P(t4 > 3.1334) = 0.017535', () => {
    const r = dieboldMariano(a, b, { lag: 1, hln: { h: 2 } });
    expect(r.statistic).toBeCloseTo(3.133398, 5);
    expect(r.pValue).toBeCloseTo(0.017535, 5);
    expect(r.distribution).toBe('t');
  });

  it('alternatives: less and two-sided mirror greater; swapping A and B flips the sign', () => {
    const g = dieboldMariano(a, b, { lag: 1 });
    const l = dieboldMariano(b, a, { lag: 1, alternative: 'less' });
    expect(l.statistic).toBeCloseTo(-g.statistic, 12);
    expect(l.pValue).toBeCloseTo(g.pValue, 12);
    expect(dieboldMariano(a, b, { lag: 1, alternative: 'two-sided' }).pValue).toBeCloseTo(2 * g.pValue, 12);
  });

  it('equal losses give no evidence; non-finite pairs are dropped', () => {
    expect(dieboldMariano([1, 2, 3], [1, 2, 3]).pValue).toBe(0.5);
    expect(dieboldMariano([2, Number.NaN, 4, 3, 5, 6], [1, 1, 1, 1, 1, 1], { lag: 1 }).n).toBe(5);
  });

  it('under the null (same distribution) p is not small; with a shift it is', () => {
    const x = normals(1, 2000);
    const y = normals(2, 2000);
    expect(dieboldMariano(x, y).pValue).toBeGreaterThan(0.05);
    expect(dieboldMariano(x.map((v) => v + 0.2), y).pValue).toBeLessThan(1e-6);
  });

  it('Newey-West rule: floor(4 (n/100)^(2/9))', () => {
    expect(neweyWestLag(100)).toBe(4);
    expect(neweyWestLag(500)).toBe(5); // 4 · 5^(2/9) = 5.72
  });
});

describe('two-sample KS (hand-computed)', () => {
  it('x = [1,2,3], y = [2.5,4,5,6]: D = 0.75 (at 3: F1 = 1, F2 = 1/4)', () => {
    const r = ksTwoSample([1, 2, 3], [2.5, 4, 5, 6]);
    expect(r.statistic).toBeCloseTo(0.75, 12);
    // ne = 12/7, √ne = 1.309307; λ = (1.309307 + 0.12 + 0.11/1.309307)·0.75 = 1.134989;
    // Q(λ) = 2(e^{−2λ²} − e^{−8λ²} + …) = 2(0.076051 − 0.0000334) = 0.152035
    expect(r.pValue).toBeCloseTo(0.152035, 4);
  });

  it('ties do not count as a gap; identical samples give D = 0, p = 1', () => {
    expect(ksTwoSample([1, 1, 2, 2], [1, 2]).statistic).toBe(0);
    expect(ksTwoSample([1, 2, 3], [1, 2, 3]).pValue).toBe(1);
  });
});

describe('PSI', () => {
  it('hand-computed on 2 bins: reference split 50/50, recent 80/20 → 0.3·ln(1.6) + 0.3·ln(2.5) = 0.415888', () => {
    const ref = [1, 2, 3, 4];
    const rec = [1, 1, 1, 1, 4];
    expect(psi(ref, rec, 2)).toBeCloseTo(0.3 * Math.log(1.6) + 0.3 * Math.log(2.5), 9);
  });

  it('is ~0 for the same distribution and large for a shifted one', () => {
    expect(psi(normals(3, 5000), normals(4, 5000))).toBeLessThan(0.02);
    expect(psi(normals(3, 5000), normals(4, 5000).map((v) => v + 1))).toBeGreaterThan(0.25);
  });
});

describe('multiple testing', () => {
  it('Benjamini-Hochberg: p = [.01,.04,.03,.2] → [.04, .05333, .05333, .2]', () => {
    const r = benjaminiHochberg([0.01, 0.04, 0.03, 0.2]);
    [0.04, 0.16 / 3, 0.16 / 3, 0.2].forEach((v, i) => expect(r[i]).toBeCloseTo(v, 12));
  });

  it('Holm: p = [.01,.04,.03,.2] → [.04, .09, .09, .2]', () => {
    const r = holm([0.01, 0.04, 0.03, 0.2]);
    [0.04, 0.09, 0.09, 0.2].forEach((v, i) => expect(r[i]).toBeCloseTo(v, 12));
  });
});
