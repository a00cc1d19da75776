import { describe, expect, it } from 'vitest';
import { choleskySolve, fitHuber, fitRidge, madScale, type Design } from './index.js';
import { rng } from './test-rows.js';

const design = (rows: number[][]): Design => ({ n: rows.length, p: rows[0]!.length, x: Float64Array.from(rows.flat()) });

describe('ridge: closed form', () => {
  it('matches the textbook one-feature solution w = Sxy / (Sxx + alpha), b = mean(y) - w mean(x)', () => {
    // x = 1..4, y = 2,3,5,8: Sxx = 5, Sxy = 10, so w = 10/7 and b = 4.5 - 2.5 * 10/7 with alpha = 2.
    const f = fitRidge(design([[1], [2], [3], [4]]), Float64Array.from([2, 3, 5, 8]), 2);
    expect(f.coef[0]).toBeCloseTo(10 / 7, 10);
    expect(f.intercept).toBeCloseTo(4.5 - (2.5 * 10) / 7, 10);
  });

  it('matches (Xc\'Xc + alpha I)^-1 Xc\'yc on a two-feature problem (explicit 2x2 inverse)', () => {
    const rows = [[1, 0.5], [2, -1], [0, 2], [3, 1], [-1, 0]];
    const y = [1, 4, -2, 5, 0.5];
    const alpha = 0.7;
    const n = rows.length;
    const mx = [0, 1].map((j) => rows.reduce((s, r) => s + r[j]!, 0) / n);
    const my = y.reduce((s, v) => s + v, 0) / n;
    const S = (a: number, b: number) => rows.reduce((s, r) => s + (r[a]! - mx[a]!) * (r[b]! - mx[b]!), 0);
    const Sy = (a: number) => rows.reduce((s, r, i) => s + (r[a]! - mx[a]!) * (y[i]! - my), 0);
    const [a11, a12, a22] = [S(0, 0) + alpha, S(0, 1), S(1, 1) + alpha];
    const det = a11 * a22 - a12 * a12;
    const w1 = (a22 * Sy(0) - a12 * Sy(1)) / det;
    const w2 = (a11 * Sy(1) - a12 * Sy(0)) / det;
    const f = fitRidge(design(rows), Float64Array.from(y), alpha);
    expect(f.coef[0]).toBeCloseTo(w1, 10);
    expect(f.coef[1]).toBeCloseTo(w2, 10);
    expect(f.intercept).toBeCloseTo(my - w1 * mx[0]! - w2 * mx[1]!, 10);
  });

  it('alpha = 0 is ordinary least squares (recovers an exact linear relation)', () => {
    const rows = [[1, 2], [2, 1], [3, 5], [4, 3], [5, 8]];
    const y = rows.map(([a, b]) => 0.5 + 2 * a! - 3 * b!);
    const f = fitRidge(design(rows), Float64Array.from(y), 0);
    expect(f.coef[0]).toBeCloseTo(2, 9);
    expect(f.coef[1]).toBeCloseTo(-3, 9);
    expect(f.intercept).toBeCloseTo(0.5, 9);
  });

  it('Cholesky solves a symmetric positive-definite system and refuses an indefinite one', () => {
    const z = choleskySolve(Float64Array.from([4, 2, 2, 3]), Float64Array.from([2, 1]), 2);
    expect(z[0]! * 4 + z[1]! * 2).toBeCloseTo(2, 10);
    expect(z[0]! * 2 + z[1]! * 3).toBeCloseTo(1, 10);
    expect(() => choleskySolve(Float64Array.from([1, 2, 2, 1]), Float64Array.from([1, 1]), 2)).toThrow(/positive definite/);
  });
});

describe('huber: robust to outliers', () => {
  const n = 1000;
  const r = rng(7);
  const rows = Array.from({ length: n }, () => [r.normal(), r.normal()]);
  const clean = Float64Array.from(rows, ([a, b]) => 0.2 + 1 * a! - 0.5 * b! + 0.3 * r.normal());
  // 5% of the rows are shocks: +15 on the target where x1 is large, the kind of pull that tilts OLS.
  const dirty = Float64Array.from(clean, (v, i) => (i % 20 === 0 ? v + 15 * Math.sign(rows[i]![0]!) : v));
  const d = design(rows);

  it('injected outliers barely move Huber coefficients but drag ridge', () => {
    const hClean = fitHuber(d, clean, 1, 1.345, 100);
    const hDirty = fitHuber(d, dirty, 1, 1.345, 100);
    const rDirty = fitRidge(d, dirty, 1);
    const hMove = Math.abs(hDirty.coef[0]! - hClean.coef[0]!);
    const rMove = Math.abs(rDirty.coef[0]! - hClean.coef[0]!);
    expect(hMove).toBeLessThan(0.1);
    expect(rMove).toBeGreaterThan(0.5);
    expect(rMove).toBeGreaterThan(10 * hMove);
    expect(hDirty.coef[1]).toBeCloseTo(-0.5, 1);
  });

  it('estimates the noise scale robustly (MAD), unmoved by the shocks', () => {
    expect(fitHuber(d, dirty, 1, 1.345, 100).scale).toBeGreaterThan(0.25);
    expect(fitHuber(d, dirty, 1, 1.345, 100).scale).toBeLessThan(0.4);
    expect(madScale([1, 2, 3, 4, 1000])).toBeCloseTo(1 / 0.6744897501960817, 9);
  });

  it('with a huge delta it is ridge (every weight is 1)', () => {
    const h = fitHuber(d, dirty, 1, 1e6, 100);
    const rr = fitRidge(d, dirty, 1);
    h.coef.forEach((c, j) => expect(c).toBeCloseTo(rr.coef[j]!, 9));
    expect(h.intercept).toBeCloseTo(rr.intercept, 9);
  });

  it('converges (IRLS stops before its cap)', () => {
    expect(fitHuber(d, dirty, 1, 1.345, 100).iterations).toBeLessThan(100);
  });
});

describe('median (quickselect)', () => {
  it('matches the sorted-array median on odd, even, tied and shuffled samples', async () => {
    const { median } = await import('./linalg.js');
    const r = rng(5);
    for (const n of [1, 2, 3, 4, 7, 10, 101, 1000]) {
      for (const tied of [false, true]) {
        const xs = Array.from({ length: n }, () => (tied ? Math.floor(r.uniform() * 5) : r.normal()));
        const s = [...xs].sort((a, b) => a - b);
        const want = n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
        expect(median(xs)).toBe(want);
      }
    }
    expect(median([])).toBeNaN();
  });
});
