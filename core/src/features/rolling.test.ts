import { describe, expect, it } from 'vitest';
import { Ema, Lag, Rma, WindowExtreme, WindowSums, Wma } from './rolling.js';
import { seededRandom } from '../testing/fixtures.js';

const xs = (() => {
  const rnd = seededRandom(3);
  let p = 30_000;
  return Array.from({ length: 5000 }, () => (p *= Math.exp((rnd() - 0.5) * 0.02)));
})();

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1e-300, Math.abs(b));

describe('rolling primitives (against direct computation over the window)', () => {
  it('WindowSums: mean, variance, skew, kurtosis', () => {
    const w = 37;
    const s = new WindowSums(w, 4);
    xs.forEach((x, i) => {
      s.push(x);
      if (i + 1 < w) return expect(s.ready).toBe(false);
      const win = xs.slice(i + 1 - w, i + 1);
      const m = win.reduce((a, b) => a + b, 0) / w;
      const m2 = win.reduce((a, b) => a + (b - m) ** 2, 0) / w;
      const m3 = win.reduce((a, b) => a + (b - m) ** 3, 0) / w;
      const m4 = win.reduce((a, b) => a + (b - m) ** 4, 0) / w;
      expect(rel(s.mean(), m)).toBeLessThan(1e-12);
      expect(rel(s.variance(), m2)).toBeLessThan(1e-6);
      if (i % 97 === 0) {
        // Raw-moment formulas lose digits on price-level data; features use them on returns.
        const r = xs.slice(i + 1 - w, i + 1).map((x) => Math.log(x / 30_000));
        const t = new WindowSums(w, 4);
        r.forEach((v) => t.push(v));
        const rm = r.reduce((a, b) => a + b, 0) / w;
        const r2 = r.reduce((a, b) => a + (b - rm) ** 2, 0) / w;
        const r3 = r.reduce((a, b) => a + (b - rm) ** 3, 0) / w;
        const r4 = r.reduce((a, b) => a + (b - rm) ** 4, 0) / w;
        expect(t.skew()).toBeCloseTo(r3 / r2 ** 1.5, 6);
        expect(t.kurtosis()).toBeCloseTo(r4 / r2 ** 2 - 3, 5);
      }
      void m3;
      void m4;
    });
  });

  it('WindowSums counts non-finite values instead of summing them', () => {
    const s = new WindowSums(3);
    [1, Number.NaN, 2, 3].forEach((x) => s.push(x));
    expect(s.sum).toBeNaN(); // window [NaN, 2, 3]
    s.push(4);
    expect(s.sum).toBe(9);
    s.push(Number.NaN);
    expect(s.sum).toBeNaN();
  });

  it('WindowExtreme: max, min and bars since', () => {
    const w = 25;
    const hi = new WindowExtreme(w, 'max');
    const lo = new WindowExtreme(w, 'min');
    xs.forEach((x, i) => {
      hi.push(x);
      lo.push(x);
      if (i + 1 < w) return;
      const win = xs.slice(i + 1 - w, i + 1);
      expect(hi.value).toBe(Math.max(...win));
      expect(lo.value).toBe(Math.min(...win));
      expect(hi.age).toBe(w - 1 - win.lastIndexOf(Math.max(...win)));
    });
  });

  it('Ema/Rma seeded with the SMA, Wma with linear weights, Lag', () => {
    const e = new Ema(10);
    const r = new Rma(14);
    const w = new Wma(20);
    const lag = new Lag(5);
    let ref = Number.NaN;
    let rr = Number.NaN;
    xs.forEach((x, i) => {
      e.push(x);
      r.push(x);
      w.push(x);
      expect(lag.push(x)).toBe(i >= 5 ? xs[i - 5] : Number.NaN);
      if (i === 9) ref = xs.slice(0, 10).reduce((a, b) => a + b, 0) / 10;
      else if (i > 9) ref = ref + (2 / 11) * (x - ref);
      if (i === 13) rr = xs.slice(0, 14).reduce((a, b) => a + b, 0) / 14;
      else if (i > 13) rr = rr + (x - rr) / 14;
      if (i >= 9) expect(e.value).toBe(ref);
      if (i >= 13) expect(r.value).toBe(rr);
      if (i >= 19) {
        let num = 0;
        for (let k = 0; k < 20; k++) num += (20 - k) * xs[i - k]!;
        expect(rel(w.value, num / 210)).toBeLessThan(1e-12);
      } else expect(w.value).toBeNaN();
    });
  });
});
