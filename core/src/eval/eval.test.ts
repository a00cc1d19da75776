import { describe, expect, it } from 'vitest';
import {
  AdaptiveBand,
  applyIsotonic,
  applyPlatt,
  dieboldMariano,
  expectedCalibrationError,
  fitIsotonic,
  fitPlatt,
  neweyWestLongRunVariance,
  normalCdf,
  seededRandom,
  wilsonInterval,
} from '../index.js';

const rng = seededRandom;
const gauss = (u: () => number) => Math.sqrt(-2 * Math.log(u() || 1e-12)) * Math.cos(2 * Math.PI * u());

describe('statistics', () => {
  it('normal CDF matches tabulated values', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959963985)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1)).toBeCloseTo(0.158655, 5);
  });

  it('Wilson interval matches the textbook value and stays in [0, 1]', () => {
    const [lo, hi] = wilsonInterval(52, 100);
    expect(lo).toBeCloseTo(0.4231, 3);
    expect(hi).toBeCloseTo(0.6154, 3);
    expect(wilsonInterval(0, 10)[0]).toBeCloseTo(0, 12);
    expect(wilsonInterval(10, 10)[1]).toBeCloseTo(1, 12);
  });

  it('Newey-West with lag 0 is the sample variance (1/n); lag adds Bartlett-weighted autocovariances', () => {
    const x = [1, 2, 3, 4];
    expect(neweyWestLongRunVariance(x, 0)).toBeCloseTo(1.25, 12);
    // gamma1 = ((-0.5)(-1.5) + (0.5)(-0.5) + (1.5)(0.5)) / 4 = 0.3125; weight 1 - 1/2
    expect(neweyWestLongRunVariance(x, 1)).toBeCloseTo(1.25 + 2 * 0.5 * 0.3125, 12);
  });

  it('DM: equal forecasts are not significant; a clearly better one is', () => {
    const u = rng(7);
    const a: number[] = [];
    const b: number[] = [];
    const c: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const e = Math.abs(gauss(u));
      a.push(e);
      b.push(Math.abs(gauss(u)));
      c.push(e * 0.8);
    }
    expect(dieboldMariano(a, b).pValue).toBeGreaterThan(0.05);
    const better = dieboldMariano(c, a, { horizonSteps: 4 });
    expect(better.meanDiff).toBeLessThan(0);
    expect(better.pValue).toBeLessThan(1e-6);
    expect(better.lag).toBe(3);
  });

  it('DM HAC variance widens the test for autocorrelated (overlapping) differentials', () => {
    const u = rng(3);
    const shocks = Array.from({ length: 3000 }, () => gauss(u));
    // MA(23) differential with a small positive mean: overlapping 24-step errors.
    const d = shocks.map((_, i) => 0.02 + shocks.slice(Math.max(0, i - 23), i + 1).reduce((s, x) => s + x, 0) / 24);
    const zero = d.map(() => 0);
    const naive = dieboldMariano(d, zero, { lag: 0 });
    const hac = dieboldMariano(d, zero, { horizonSteps: 24 });
    expect(Math.abs(hac.statistic)).toBeLessThan(Math.abs(naive.statistic));
  });

  it('ECE is ~0 for calibrated probabilities and large for overconfident ones', () => {
    const u = rng(11);
    const p: number[] = [];
    const y: number[] = [];
    const over: number[] = [];
    for (let i = 0; i < 20000; i++) {
      const pi = u();
      p.push(pi);
      y.push(u() < pi ? 1 : 0);
      over.push(pi > 0.5 ? 1 : 0);
    }
    expect(expectedCalibrationError(p, y)).toBeLessThan(0.02);
    expect(expectedCalibrationError(over, y)).toBeGreaterThan(0.2);
  });
});

describe('calibration layers', () => {
  it('adaptive band reaches target coverage after a volatility regime change', () => {
    const band = new AdaptiveBand({ target: 0.9, gamma: 0.02 });
    const u = rng(5);
    const q = { p05: -1.645, p10: -1.2816, p25: -0.6745, p50: 0, p75: 0.6745, p90: 1.2816, p95: 1.645 };
    let covered = 0;
    let n = 0;
    for (let i = 0; i < 20000; i++) {
      const sigma = i < 10000 ? 1 : 2.5; // the model keeps assuming sigma = 1
      const issued = band.apply(q);
      const y = sigma * gauss(u);
      if (i >= 12000) {
        n++;
        if (y >= issued.p05 && y <= issued.p95) covered++;
      }
      band.update(y, issued);
    }
    expect(covered / n).toBeGreaterThan(0.87);
    expect(covered / n).toBeLessThan(0.93);
    expect(band.scale).toBeGreaterThan(2);
    const applied = band.apply(q);
    expect(applied.p05).toBeLessThan(applied.p25);
    expect(applied.p50).toBe(0);
  });

  it('Platt scaling recovers a miscalibrated probability', () => {
    const u = rng(9);
    const raw: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const truth = 0.3 + 0.4 * u();
      // The raw model is overconfident: it doubles the logit.
      const l = Math.log(truth / (1 - truth)) * 2;
      raw.push(1 / (1 + Math.exp(-l)));
      y.push(u() < truth ? 1 : 0);
    }
    const fit = fitPlatt(raw, y);
    expect(fit.a).toBeGreaterThan(0.3);
    expect(fit.a).toBeLessThan(0.7);
    const cal = raw.map((p) => applyPlatt(fit, p));
    expect(expectedCalibrationError(cal, y)).toBeLessThan(expectedCalibrationError(raw, y));
  });

  it('isotonic fit is non-decreasing and interpolates', () => {
    const fit = fitIsotonic([1, 2, 3, 4, 5], [0, 1, 0.5, 1, 1]);
    for (let i = 1; i < fit.y.length; i++) expect(fit.y[i]!).toBeGreaterThanOrEqual(fit.y[i - 1]!);
    expect(applyIsotonic(fit, 0)).toBe(0);
    expect(applyIsotonic(fit, 10)).toBe(1);
    expect(applyIsotonic(fit, 2.5)).toBeCloseTo(0.75, 12);
  });
});
