import { describe, expect, it } from 'vitest';
import { seededRandom } from '@satcast/core';
import { logGamma } from './garch.js';
import { HarWindows } from './har.js';
import { fitGarch, fitHar, garchHorizonVariance, garchNegLogLik, garchStep, garchVolatility, unconditionalVariance, type GarchParams } from './index.js';
import { simulateGarch, simulateHar } from './sim.fixture.js';

describe('GARCH(1,1) maximum likelihood', () => {
  const truth: GarchParams = { mu: 0, omega: 2e-7, alpha: 0.08, beta: 0.9 };

  for (const seed of [1, 2]) {
    it(`recovers omega, alpha, beta from 20 000 simulated returns (seed ${seed})`, () => {
      const r = simulateGarch(truth, 20_000, seed);
      const fit = fitGarch(r);
      const p = fit.params;
      console.log(`[garch] seed ${seed}: omega ${p.omega.toExponential(3)} alpha ${p.alpha.toFixed(4)} beta ${p.beta.toFixed(4)} (truth 2e-7 / 0.08 / 0.9), ${fit.evaluations} likelihood evaluations`);
      expect(Math.abs(p.alpha - truth.alpha)).toBeLessThan(0.05);
      expect(Math.abs(p.beta - truth.beta)).toBeLessThan(0.05);
      expect(p.omega).toBeGreaterThan(truth.omega / 2);
      expect(p.omega).toBeLessThan(truth.omega * 2);
      expect(p.alpha + p.beta).toBeLessThan(1);
      // the optimum beats the truth's likelihood on its own sample (it is a maximum)
      expect(fit.logLikPerObs).toBeGreaterThanOrEqual(-garchNegLogLik(r, truth, r.reduce((s, x) => s + x * x, 0) / r.length) - 1e-12);
    });
  }

  it('Student-t likelihood recovers alpha, beta and the degrees of freedom of t(5) innovations', () => {
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
    const r = simulateGarch(truth, 20_000, 7, 1000, 5);
    const t = fitGarch(r, { distribution: 't' });
    const g = fitGarch(r);
    console.log(`[garch-t] t(5) innovations: t-ML alpha ${t.params.alpha.toFixed(4)} beta ${t.params.beta.toFixed(4)} nu ${t.params.nu!.toFixed(2)} (loglik ${t.logLikPerObs.toFixed(4)}); Gaussian QMLE alpha ${g.params.alpha.toFixed(4)} beta ${g.params.beta.toFixed(4)} (loglik ${g.logLikPerObs.toFixed(4)})`);
    expect(Math.abs(t.params.alpha - truth.alpha)).toBeLessThan(0.05);
    expect(Math.abs(t.params.beta - truth.beta)).toBeLessThan(0.05);
    expect(t.params.nu!).toBeGreaterThan(3.5);
    expect(t.params.nu!).toBeLessThan(7.5);
    // the t likelihood fits fat tails better than the normal one
    expect(t.logLikPerObs).toBeGreaterThan(g.logLikPerObs);
  });

  it('estimates a constant mean with mean: constant and keeps constraints on white noise', () => {
    const r = simulateGarch({ mu: 0.001, omega: 1e-5, alpha: 0.05, beta: 0.85 }, 10_000, 3);
    const fc = fitGarch(r, { mean: 'constant' });
    expect(fc.params.mu).toBeCloseTo(0.001, 3);
    const noise = simulateGarch({ mu: 0, omega: 1e-4, alpha: 0, beta: 0 }, 5_000, 4);
    const fn = fitGarch(noise).params;
    expect(fn.alpha).toBeGreaterThanOrEqual(0);
    expect(fn.beta).toBeGreaterThanOrEqual(0);
    expect(fn.omega).toBeGreaterThan(0);
    expect(unconditionalVariance(fn)).toBeGreaterThan(0.8e-4);
    expect(unconditionalVariance(fn)).toBeLessThan(1.2e-4);
    expect(() => fitGarch([0.01, 0.02])).toThrow(/at least 100/);
  });

  it('horizon variance is the sum of iterated expected variances; garchVolatility filters causally', () => {
    const p: GarchParams = { mu: 0, omega: 1e-6, alpha: 0.1, beta: 0.85 };
    let v = 4e-5, sum = 0;
    const v1 = v;
    for (let k = 0; k < 24; k++) (sum += v), (v = p.omega + (p.alpha + p.beta) * v);
    expect(garchHorizonVariance(p, v1, 24)).toBeCloseTo(sum, 15);
    const r = [0.01, -0.02, Number.NaN, 0.005];
    const vol = garchVolatility(r, p, { horizon: 4, sigma2Init: 2e-5 });
    let w = 2e-5;
    r.forEach((x, i) => {
      w = garchStep(p, w, x);
      expect(vol[i]).toBeCloseTo(Math.sqrt(garchHorizonVariance(p, w, 4)), 15);
    });
    // changing a later return leaves earlier values alone
    const vol2 = garchVolatility([0.01, -0.02, Number.NaN, 0.5], p, { horizon: 4, sigma2Init: 2e-5 });
    expect(Array.from(vol2.subarray(0, 3))).toEqual(Array.from(vol.subarray(0, 3)));
  });
});

describe('HAR-RV', () => {
  it('recovers the daily / weekly / monthly coefficients on simulated hourly data', () => {
    const truth: [number, number, number, number] = [-0.5, 0.4, 0.3, 0.25];
    for (const seed of [1, 2]) {
      const r = simulateHar(truth, 60_000, seed, 0.5);
      const p = fitHar(r, 1, { maxRows: 100_000 });
      const [, bd, bw, bm] = p.coef;
      console.log(`[har] seed ${seed}: bd ${bd.toFixed(3)} bw ${bw.toFixed(3)} bm ${bm.toFixed(3)} (truth 0.4 / 0.3 / 0.25), rows ${p.n}, R2 ${p.r2.toFixed(3)}`);
      expect(Math.abs(bd - 0.4)).toBeLessThan(0.08);
      expect(Math.abs(bw - 0.3)).toBeLessThan(0.1);
      expect(Math.abs(bm - 0.25)).toBeLessThan(0.1);
      expect(Math.abs(bd + bw + bm - 0.95)).toBeLessThan(0.05);
    }
  });

  it('rolling window means (running sums) match a brute-force mean, missing values skipped', () => {
    const w = new HarWindows([3, 7, 20]);
    const rnd = seededRandom(5);
    const hist: number[] = [];
    const m = new Float64Array(3);
    for (let t = 0; t < 300; t++) {
      const r = rnd() < 0.1 ? Number.NaN : rnd() - 0.5;
      w.push(r);
      hist.push(r);
      w.means(m);
      [3, 7, 20].forEach((len, k) => {
        const xs = hist.slice(-len).filter(Number.isFinite).map((x) => x * x);
        if (xs.length) expect(m[k]).toBeCloseTo(xs.reduce((a, b) => a + b, 0) / xs.length, 14);
        else expect(m[k]).toBeNaN();
      });
    }
    expect(w.returns().length).toBe(20);
    expect(Object.is(w.returns().at(-1), hist.at(-1))).toBe(true);
  });

  it('level HAR fits a positive-persistence model and refuses too little data', () => {
    const r = simulateHar([-0.5, 0.4, 0.3, 0.25], 8_000, 3, 0.5);
    const p = fitHar(r, 24, { transform: 'level' });
    expect(p.coef[1] + p.coef[2] + p.coef[3]).toBeGreaterThan(0.3);
    expect(() => fitHar(r.subarray(0, 50), 1)).toThrow(/at least 100/);
  });
});
