import { describe, expect, it } from 'vitest';
import { ksExactPValue, ksTest, kolmogorovSf } from './ks.js';
import { psi, psiEdges } from './psi.js';
import { freshness, missingRatio, zScore } from './quality.js';

// Reference values computed with scipy 1.17.1 (`scipy.stats.ks_2samp`, `kstwobign.sf`) on the same inputs.
const X = [0.61, 0.29, 0.06, 0.59, -1.73, -0.74, 0.51, -0.56, 0.39, 1.64, 0.05, -0.06, 0.64, -0.82, 0.37, 1.77, 1.09, -1.28, 2.36, 1.31, 1.05, -0.32, -0.4, 1.06, -2.47];
const Y = [2.2, 1.66, 1.38, 0.2, 0.36, 0.0, 0.96, 1.56, 0.44, 1.5, -0.3, 0.66, 2.31, 3.29, -0.27, -0.37, 0.38, 0.7, 0.19, -1.41, 0.26, 0.9, 1.27, 0.62, -0.41];
const weyl = (n: number, a: number, pow = 1) => Array.from({ length: n }, (_, i) => ((i + 1) * a % 1) ** pow);

/** Independent check: enumerate every interleaving of n and m points and count D' >= d. */
function bruteForceP(n: number, m: number, d: number): number {
  let hit = 0;
  let total = 0;
  const rec = (i: number, j: number, maxGap: number) => {
    if (i === n && j === m) {
      total++;
      if (maxGap >= d - 1e-12) hit++;
      return;
    }
    if (i < n) rec(i + 1, j, Math.max(maxGap, Math.abs((i + 1) / n - j / m)));
    if (j < m) rec(i, j + 1, Math.max(maxGap, Math.abs(i / n - (j + 1) / m)));
  };
  rec(0, 0, 0);
  return hit / total;
}

describe('two-sample KS', () => {
  it('matches scipy exact p-values', () => {
    const r = ksTest(X, Y);
    expect(r.method).toBe('exact');
    expect(r.statistic).toBeCloseTo(0.2, 12);
    expect(r.pValue).toBeCloseTo(0.7102038997076623, 10);
    expect(ksTest([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]).pValue).toBeCloseTo(0.007936507936507936, 12); // = 2 / C(10,5)
    const u = ksTest([0.1, 0.5, 0.9, 1.3], [0.2, 0.4, 1.0, 1.5, 2.0, 2.5]);
    expect(u.statistic).toBe(0.5);
    expect(u.pValue).toBeCloseTo(0.5523809523809524, 12);
  });

  it('exact p-value equals brute-force enumeration of all interleavings', () => {
    for (const [n, m] of [[3, 4], [5, 5], [4, 7], [6, 3]] as const) {
      for (const d of [1 / 3, 0.5, 0.6, 0.8, 1]) expect(ksExactPValue(d, n, m)).toBeCloseTo(bruteForceP(n, m, d), 12);
    }
  });

  it('matches scipy on 300 vs 400 points (exact) and the Kolmogorov limit (asymp)', () => {
    const a = weyl(300, 0.6180339887);
    const b = weyl(400, 0.41421356237, 1.3);
    const ex = ksTest(a, b);
    expect(ex.statistic).toBeCloseTo(0.1025, 12);
    expect(ex.pValue).toBeCloseTo(0.05128738714042753, 9);
    const as = ksTest(a, b, { method: 'asymp' });
    expect(as.pValue).toBeCloseTo(0.05452936333716292, 9); // kstwobign.sf(D * sqrt(nm / (n + m)))
  });

  it('Kolmogorov survival function matches scipy kstwobign.sf', () => {
    expect(kolmogorovSf(0.5)).toBeCloseTo(0.963945244, 8);
    expect(kolmogorovSf(1.0)).toBeCloseTo(0.269999672, 8);
    expect(kolmogorovSf(1.36)).toBeCloseTo(0.0494858768, 8);
    expect(kolmogorovSf(2.0)).toBeCloseTo(0.000670925256, 10);
  });

  it('identical samples give D = 0, p = 1; non-finite values are ignored; empty gives NaN', () => {
    expect(ksTest(X, X)).toMatchObject({ statistic: 0, pValue: 1 });
    expect(ksTest([...X, Number.NaN, Infinity], Y).statistic).toBeCloseTo(0.2, 12);
    expect(Number.isNaN(ksTest([], Y).pValue)).toBe(true);
  });

  it('ties: both CDFs step together before comparing', () => {
    expect(ksTest([1, 1, 2, 2], [1, 1, 2, 2]).statistic).toBe(0);
    expect(ksTest([1, 1, 1, 2], [1, 2, 2, 2]).statistic).toBe(0.5);
  });
});

describe('PSI', () => {
  it('hand example: 0.5/0.5 -> 0.7/0.3 is 0.2·ln(1.4) + 0.2·ln(5/3)', () => {
    const r = psi([1, 2, 3, 4], [1, 1, 1, 1, 1, 1, 1, 4, 4, 4], { bins: 2 });
    expect(r.edges).toEqual([2.5]);
    expect(r.reference).toEqual([0.5, 0.5]);
    expect(r.current).toEqual([0.7, 0.3]);
    expect(r.psi).toBeCloseTo(0.2 * Math.log(1.4) + 0.2 * Math.log(0.5 / 0.3), 12);
    expect(r.psi).toBeCloseTo(0.16945957207744072, 12); // numpy, same definition
  });

  it('decile bins from the reference; matches numpy on 1000 vs 500 points; 0 against itself', () => {
    const ref = weyl(1000, 0.7548776662);
    const cur = weyl(500, 0.569840291, 0.8);
    expect(psiEdges(ref)).toHaveLength(9);
    expect(psi(ref, cur).psi).toBeCloseTo(0.056017690122722744, 9);
    expect(psi(ref, ref).psi).toBe(0);
  });

  it('a bin empty in the current sample is floored, so PSI stays finite; repeated edges merge', () => {
    const r = psi([1, 2, 3, 4], [1, 1, 1, 1], { bins: 2 });
    expect(Number.isFinite(r.psi)).toBe(true);
    expect(r.current[1]).toBe(1e-4);
    // Deciles 0.1..0.7 of this sample are all 0: one edge, not seven.
    const e = psiEdges([0, 0, 0, 0, 0, 0, 0, 0, 1, 2]);
    expect(e).toHaveLength(3);
    expect(e[0]).toBe(0);
    expect(e[1]).toBeCloseTo(0.2, 12);
    expect(e[2]).toBeCloseTo(1.1, 12);
  });
});

describe('data quality', () => {
  it('missingRatio counts null, undefined, NaN and infinities', () => {
    expect(missingRatio([1, null, Number.NaN, undefined, Infinity, 2, 3, 4])).toBe(0.5);
    expect(missingRatio([])).toBe(0);
  });

  it('freshness: an hourly series with a 1h lag is stale only after interval + lag + grace', () => {
    const H = 3_600_000;
    expect(freshness({ lastEventTime: 0, now: 2 * H, intervalMs: H, lagMs: H })).toMatchObject({ ageMs: 2 * H, stale: false, missedIntervals: 0 });
    expect(freshness({ lastEventTime: 0, now: 2 * H + 1, intervalMs: H, lagMs: H })).toMatchObject({ stale: true });
    expect(freshness({ lastEventTime: 0, now: 5 * H, intervalMs: H })).toMatchObject({ missedIntervals: 4, stale: true });
    expect(freshness({ lastEventTime: undefined, now: 0, intervalMs: H }).stale).toBe(true);
  });

  it('zScore uses the sample standard deviation; no spread or too little history is NaN', () => {
    expect(zScore(7, [2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo((7 - 5) / Math.sqrt(32 / 7), 12);
    expect(Number.isNaN(zScore(5, [3, 3, 3]))).toBe(true);
    expect(Number.isNaN(zScore(5, [3]))).toBe(true);
  });
});
