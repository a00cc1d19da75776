import { ValidationError, type ReturnForecast } from '@satcast/core';
import { describe, expect, it } from 'vitest';
import { equalWeight } from './equal.js';
import { OnlineStacker, Stacker, type StackRow } from './stacker.js';
import { HOUR, fieldOf, gaussian, isSorted, normal, pin } from './test-utils.js';

const T0 = Date.UTC(2024, 0, 1);
const TRUE_W = { a: 0.6, b: 0.3, c: 0.1 };

/**
 * y = 0.6 x_a + 0.3 x_b + 0.1 x_c + 0.5 e with independent standard normal signals. Member m sees only its
 * own signal: its forecast is N(x_m + bias_m, s_m^2) with s_m its true error sd (so each is calibrated
 * on average) and member b biased by +0.3. The best simplex combination is TRUE_W (plus a shift per level).
 */
function synthetic(n: number, seed: number) {
  const g = gaussian(seed);
  const sd = { a: Math.sqrt(0.09 + 0.01 + 0.16 + 0.25), b: Math.sqrt(0.36 + 0.01 + 0.49 + 0.25), c: Math.sqrt(0.36 + 0.09 + 0.81 + 0.25) };
  const rows: StackRow[] = [];
  for (let t = 0; t < n; t++) {
    const x = { a: g(), b: g(), c: g() };
    const y = TRUE_W.a * x.a + TRUE_W.b * x.b + TRUE_W.c * x.c + 0.5 * g();
    rows.push({
      forecasts: { a: normal(x.a, sd.a), b: normal(x.b + 0.3, sd.b), c: normal(x.c, sd.c) },
      realized: y,
      resolvesAt: T0 + (t + 1) * HOUR,
    });
  }
  return rows;
}

const meanPin = (rows: StackRow[], f: (r: StackRow) => ReturnForecast) => rows.reduce((s, r) => s + pin(f(r).quantiles, r.realized), 0) / rows.length;

describe('Stacker', () => {
  const train = synthetic(3000, 11);
  const test = synthetic(3000, 12);
  const fitTime = T0 + 3000 * HOUR;
  const st = new Stacker({ members: ['a', 'b', 'c'] }).fit(train, fitTime);

  it('beats every member and the equal-weight mean in out-of-sample pinball', () => {
    const stack = meanPin(test, (r) => st.predict(r.forecasts));
    const eq = meanPin(test, (r) => equalWeight(r.forecasts));
    const members = ['a', 'b', 'c'].map((m) => meanPin(test, (r) => r.forecasts[m]!));
    expect(stack).toBeLessThan(eq * 0.95);
    for (const m of members) expect(stack).toBeLessThan(m * 0.95);
  });

  it('recovers simplex weights close to the truth', () => {
    const p = st.params();
    expect(p.fitted).toBe(true);
    expect(p.nRows).toBe(3000);
    for (const k of ['p05', 'p25', 'p50', 'p75', 'p95'] as const) {
      const w = p.weights[k];
      expect(w.a + w.b + w.c).toBeCloseTo(1, 9);
      for (const m of ['a', 'b', 'c'] as const) expect(Math.abs(w[m]! - TRUE_W[m])).toBeLessThan(0.06);
    }
    // Point weights (squared loss, no intercept): member b's bias costs it a little weight.
    for (const m of ['a', 'b', 'c'] as const) expect(Math.abs(p.weights.point[m]! - TRUE_W[m])).toBeLessThan(0.08);
    // Shifts correct b's +0.3 bias (0.3 * 0.3 = 0.09 in return units) on the median.
    const f = st.predict({ a: normal(0, 1), b: normal(0.3, 1), c: normal(0, 1) });
    expect(Math.abs(f.quantiles.p50)).toBeLessThan(0.06);
    expect(f.info!.method).toBe('stack');
  });

  it('the stacked pUp beats the equal-weight pool in log-loss', () => {
    const ll = (p: number, y: number) => -Math.log(y > 0 ? p : 1 - p);
    let stack = 0;
    let eq = 0;
    for (const r of test) {
      stack += ll(st.predict(r.forecasts).pUp, r.realized);
      eq += ll(equalWeight(r.forecasts).pUp, r.realized);
    }
    expect(stack).toBeLessThan(eq);
    expect(st.params().pUp).not.toBeNull();
  });

  it('drops rows whose outcome is not public at fitTime', () => {
    const cut = T0 + 1500 * HOUR;
    // Poison the future: outcomes after the cut are huge. Using them would move the shifts a lot.
    const poisoned = train.map((r) => (r.resolvesAt > cut ? { ...r, realized: r.realized + 50 } : r));
    const a = new Stacker({ members: ['a', 'b', 'c'] }).fit(poisoned, cut);
    const b = new Stacker({ members: ['a', 'b', 'c'] }).fit(train.filter((r) => r.resolvesAt <= cut), cut);
    expect(a.params().dropped.unresolved).toBe(1500);
    expect(a.params().nRows).toBe(1500);
    expect({ ...a.params(), dropped: null }).toEqual({ ...b.params(), dropped: null });
    // Without the guard (fitTime at the end) the poison does change the fit.
    const c = new Stacker({ members: ['a', 'b', 'c'] }).fit(poisoned, Infinity);
    expect(c.params().shifts.p50).not.toBeCloseTo(a.params().shifts.p50, 1);
  });

  it('falls back to equal weights and a shrunk pUp with few rows', () => {
    const s = new Stacker({ members: ['a', 'b', 'c'] }).fit(train.slice(0, 50), fitTime);
    const p = s.params();
    expect(p.fitted).toBe(false);
    expect(p.pUp).toBeNull();
    const f = s.predict({ a: normal(1, 1), b: normal(1, 1), c: normal(1, 1) });
    expect(f.quantiles.p50).toBeCloseTo(1, 9);
    expect(f.pUp).toBeCloseTo(0.5 + 0.5 * (normal(1, 1).pUp - 0.5), 9);
  });

  it('renormalises absent members and keeps quantiles non-decreasing', () => {
    const f = st.predict({ a: normal(0, 1), c: normal(0, 1) });
    const w = st.params().weights.p05;
    expect((f.info!.levelWeights as Record<string, Record<string, number>>).p05).toEqual({ a: w.a! / (w.a! + w.c!), c: w.c! / (w.a! + w.c!) });
    expect(f.info!.missing).toEqual(['b']);
    for (const r of test.slice(0, 200)) expect(isSorted(st.predict(r.forecasts).quantiles)).toBe(true);
  });

  it('serialize/restore predicts identically', () => {
    const r = Stacker.restore(JSON.parse(JSON.stringify(st.serialize())));
    for (const row of test.slice(0, 100)) expect(r.predict(row.forecasts)).toEqual(st.predict(row.forecasts));
  });

  it('rejects bad options and rows with a ValidationError naming the field', () => {
    expect(fieldOf(() => new Stacker({ members: [] }))).toBe('members');
    expect(fieldOf(() => new Stacker({ members: ['a'], iterations: 0 }))).toBe('iterations');
    expect(fieldOf(() => new Stacker({ members: ['a'], pointLoss: 'cubic' as never }))).toBe('pointLoss');
    expect(fieldOf(() => new Stacker({ members: ['a'], l2: -1 }))).toBe('l2');
    expect(fieldOf(() => st.fit(train, Number.NaN))).toBe('fitTime');
    expect(fieldOf(() => st.predict({ a: normal(0, 1), d: normal(0, 1) }))).toBe('forecasts.d');
    expect(fieldOf(() => new OnlineStacker({ members: ['a'], refitEveryMs: -5 }))).toBe('refitEveryMs');
    expect(fieldOf(() => new OnlineStacker({ members: ['a'], shock: { robustMember: 'b' } }))).toBe('shock.robustMember');
  });
});

describe('OnlineStacker', () => {
  const rows = synthetic(1200, 21);
  const H = 3;
  function drive(os: OnlineStacker, data: StackRow[], from = 0, to = data.length) {
    const out: ReturnForecast[] = [];
    for (let i = from; i < to; i++) {
      const t = T0 + i * HOUR;
      os.resolve(t, (row) => data[row]!.realized);
      out.push(os.issue(i, t, t + H * HOUR, data[i]!.forecasts));
    }
    return out;
  }
  const opts = { members: ['a', 'b', 'c'], refitEveryMs: 100 * HOUR, iterations: 80, maxRows: 600 };

  it('refits from public rows and ends up close to the batch stacker', () => {
    const os = new OnlineStacker(opts);
    const out = drive(os, rows);
    expect(out[0]!.info!.fitted).toBe(false);
    expect(out[1199]!.info!.fitted).toBe(true);
    // last refit at t = 1100 h: rows resolved by then, capped at maxRows
    expect(os.params().fitTime).toBe(T0 + 1100 * HOUR);
    expect(os.params().nRows).toBe(600);
    for (const m of ['a', 'b', 'c'] as const) expect(Math.abs(os.params().weights.p50[m]! - TRUE_W[m])).toBeLessThan(0.1);
  });

  it('look-ahead: changing a future outcome does not change earlier forecasts', () => {
    const k = 450;
    const changed = rows.map((r, i) => (i === k ? { ...r, realized: 40 } : r));
    const a = drive(new OnlineStacker(opts), rows, 0, 800);
    const b = drive(new OnlineStacker(opts), changed, 0, 800);
    // row k resolves at k + H hours; the first refit that can see it is at 500 h
    for (let i = 0; i < 500; i++) expect(b[i]).toEqual(a[i]);
    expect(b[500]).not.toEqual(a[500]);
  });

  it('an early resolve call cannot leak outcomes into a refit', () => {
    const honest = drive(new OnlineStacker(opts), rows, 0, 700);
    const os = new OnlineStacker(opts);
    const early: ReturnForecast[] = [];
    for (let i = 0; i < 700; i++) {
      const t = T0 + i * HOUR;
      os.resolve(t + 50 * HOUR, (row) => rows[row]!.realized); // outcomes of the last H rows, before they are public
      early.push(os.issue(i, t, t + H * HOUR, rows[i]!.forecasts));
    }
    expect(early).toEqual(honest);
  });

  it('serialize/restore continues identically', () => {
    const os = new OnlineStacker({ ...opts, shock: { robustMember: 'a' } });
    drive(os, rows, 0, 450);
    const back = OnlineStacker.restore(JSON.parse(JSON.stringify(os.serialize())));
    expect(drive(back, rows, 450, 700)).toEqual(drive(os, rows, 450, 700));
  });
});
