import { ValidationError, type ReturnForecast } from '@satcast/core';
import { describe, expect, it } from 'vitest';
import { DynamicWeighting, type DynamicWeightingOptions } from './dynamic.js';
import { HOUR, fieldOf, gaussian, isSorted, normal, pin } from './test-utils.js';

const T0 = Date.UTC(2024, 0, 1);

/** Run a DynamicWeighting hourly over n rows; members(i) gives member forecasts, y[i] the outcome. */
function run(
  opts: DynamicWeightingOptions,
  n: number,
  members: (i: number) => Record<string, ReturnForecast | undefined>,
  y: ArrayLike<number>,
  horizonH = 1,
  dw = new DynamicWeighting(opts),
  from = 0,
) {
  const out: ReturnForecast[] = [];
  const asked: { row: number; now: number }[] = [];
  for (let i = from; i < n; i++) {
    const t = T0 + i * HOUR;
    dw.resolve(t, (row) => {
      asked.push({ row, now: t });
      return y[row];
    });
    out.push(dw.issue(i, t, t + horizonH * HOUR, members(i)));
  }
  return { dw, out, asked };
}

describe('DynamicWeighting', () => {
  const g = gaussian(1);
  const N = 600;
  const y = Float64Array.from({ length: N }, () => g());
  // 'good' is the true distribution N(0, 1); 'bad' is biased by +1.5 sd.
  const twoMembers = () => ({ good: normal(0, 1), bad: normal(1.5, 1) });

  it('moves weight toward the member with lower recent loss', () => {
    const { dw, out } = run({ members: ['good', 'bad'], halfLifeHours: 48 }, N, twoMembers, y);
    const w = dw.weights();
    expect(w.good).toBeGreaterThan(0.8);
    expect(w.good + w.bad).toBeCloseTo(1, 12);
    expect(dw.losses().good).toBeLessThan(dw.losses().bad);
    // Starts at equal weights (nothing resolved yet) and the combined pinball beats equal weighting later on.
    expect((out[0]!.info!.weights as Record<string, number>).good).toBeCloseTo(0.5, 12);
    let dyn = 0;
    let eq = 0;
    for (let i = 200; i < N; i++) {
      dyn += pin(out[i]!.quantiles, y[i]!);
      eq += pin(normal(0.75, 1).quantiles, y[i]!);
    }
    expect(dyn).toBeLessThan(eq);
    expect(out[N - 1]!.info!.method).toBe('dynamic');
  });

  it('never drops a member below the floor', () => {
    const { dw } = run({ members: ['good', 'bad'], halfLifeHours: 24, eta: 200, floor: 0.05 }, N, twoMembers, y);
    expect(dw.weights().bad).toBeCloseTo(0.05, 6);
  });

  it('keeps weights fixed within the reweight period and changes them at its end', () => {
    const { out } = run({ members: ['good', 'bad'], reweightEveryMs: 6 * HOUR }, 120, twoMembers, y);
    const wGood = out.map((f) => (f.info!.weights as Record<string, number>).good);
    let changes = 0;
    for (let i = 1; i < wGood.length; i++) {
      if (i % 6 !== 0) expect(wGood[i]).toBe(wGood[i - 1]);
      else if (wGood[i] !== wGood[i - 1]) changes++;
    }
    expect(changes).toBeGreaterThan(10);
  });

  it('resolve(now) only asks for rows whose outcome is public by now', () => {
    const { asked } = run({ members: ['good', 'bad'] }, 100, twoMembers, y, 5);
    expect(asked.length).toBeGreaterThan(80);
    for (const a of asked) expect(T0 + a.row * HOUR + 5 * HOUR).toBeLessThanOrEqual(a.now);
  });

  it('look-ahead: changing a future outcome does not change earlier combined forecasts', () => {
    const H = 3;
    const k = 150;
    const y2 = Float64Array.from(y);
    y2[k] = 25; // a wild outcome, public at T0 + (k + H) h
    const a = run({ members: ['good', 'bad'], halfLifeHours: 24 }, 300, twoMembers, y, H).out;
    const b = run({ members: ['good', 'bad'], halfLifeHours: 24 }, 300, twoMembers, y2, H).out;
    for (let i = 0; i < k + H; i++) expect(b[i]).toEqual(a[i]);
    // ... and it does change the later ones (so the comparison above can fail).
    expect(b[k + H + 1]).not.toEqual(a[k + H + 1]);
  });

  it('an early resolve call cannot leak outcomes into an earlier issue', () => {
    const opts = { members: ['good', 'bad'], halfLifeHours: 24 };
    const H = 5;
    const honest = run(opts, 200, twoMembers, y, H).out;
    const dw = new DynamicWeighting(opts);
    const early: ReturnForecast[] = [];
    for (let i = 0; i < 200; i++) {
      const t = T0 + i * HOUR;
      dw.resolve(t + 50 * HOUR, (row) => y[row]); // takes the outcomes of the last H rows before they are public
      early.push(dw.issue(i, t, t + H * HOUR, twoMembers()));
    }
    // Each outcome may only enter the state at the first issue whose asOf >= its resolvesAt.
    expect(early).toEqual(honest);
  });

  it('serialize/restore round-trips to identical outputs', () => {
    const g2 = gaussian(7);
    const members = (i: number) => ({ a: normal(0.1 * Math.sin(i / 5), 1), b: normal(0, 1.4), c: i % 7 === 0 ? undefined : normal(-0.2, 0.8) });
    const yy = Float64Array.from({ length: 400 }, () => g2());
    const opts = { members: ['a', 'b', 'c'], halfLifeHours: 12, reweightEveryMs: 3 * HOUR, shock: { robustMember: 'b' } };
    const first = run(opts, 200, members, yy, 4);
    const restored = DynamicWeighting.restore(JSON.parse(JSON.stringify(first.dw.serialize())));
    expect(restored.weights()).toEqual(first.dw.weights());
    const cont = run(opts, 400, members, yy, 4, first.dw, 200).out;
    const again = run(opts, 400, members, yy, 4, restored, 200).out;
    expect(again).toEqual(cont);
    expect(restored.serialize()).toEqual(first.dw.serialize());
  });

  it('keeps a row with an unknown outcome pending for missingOutcomeGraceMs, then drops it', () => {
    const mk = (grace: number) => {
      const dw = new DynamicWeighting({ members: ['good', 'bad'], missingOutcomeGraceMs: grace });
      dw.issue(0, T0, T0 + HOUR, twoMembers());
      dw.resolve(T0 + HOUR, () => undefined); // candle not stored yet
      dw.resolve(T0 + 2 * HOUR, () => 0.1); // backfilled
      dw.issue(1, T0 + 2 * HOUR, T0 + 3 * HOUR, twoMembers());
      return dw.losses();
    };
    expect(Number.isNaN(mk(0).good)).toBe(true);
    expect(mk(3 * HOUR).good).toBeGreaterThan(0);
  });

  it('restore can change the member list (new member neutral, removed member forgotten)', () => {
    const { dw } = run({ members: ['good', 'bad'], halfLifeHours: 48 }, 300, twoMembers, y);
    const back = DynamicWeighting.restore(JSON.parse(JSON.stringify(dw.serialize())), { members: ['good', 'new'] });
    const t = T0 + 300 * HOUR;
    const f = back.issue(300, t, t + HOUR, { good: normal(0, 1), new: normal(0, 1) });
    // 'new' has no history: it gets the mean loss, which is 'good''s own, so the two split evenly.
    expect((f.info!.weights as Record<string, number>).good).toBeCloseTo(0.5, 9);
    expect(Object.keys(back.losses())).toEqual(['good', 'new']);
    expect(Number.isNaN(back.losses().new)).toBe(true);
  });

  it('renormalises absent members out', () => {
    const dw = new DynamicWeighting({ members: ['a', 'b', 'c'] });
    const f = dw.issue(0, T0, T0 + HOUR, { a: normal(0, 1), c: normal(1, 2) });
    expect(f.info!.weights).toEqual({ a: 0.5, c: 0.5 });
    expect(f.info!.missing).toEqual(['b']);
    expect(f.point).toBeCloseTo(0.5, 12);
    expect(f.quantiles.p95).toBeCloseTo(0.5 + 1.5 * 1.6448536, 6);
    // non-finite forecasts count as absent
    const g2 = dw.issue(1, T0 + HOUR, T0 + 2 * HOUR, { a: normal(0, 1), b: { ...normal(0, 1), point: Number.NaN }, c: normal(1, 2) });
    expect(Object.keys(g2.info!.weights as object)).toEqual(['a', 'c']);
  });

  it('combined quantiles are non-decreasing even if a member crosses', () => {
    const dw = new DynamicWeighting({ members: ['a', 'b'] });
    const crossed = normal(0, 1);
    crossed.quantiles = { p05: 1, p25: -1, p50: 0, p75: 2, p95: -3 };
    const g2 = gaussian(3);
    for (let i = 0; i < 50; i++) {
      const t = T0 + i * HOUR;
      dw.resolve(t, () => g2());
      const f = dw.issue(i, t, t + HOUR, { a: crossed, b: normal(g2(), 0.5 + Math.abs(g2())) });
      expect(isSorted(f.quantiles)).toBe(true);
      expect(f.pUp).toBeGreaterThan(0);
      expect(f.pUp).toBeLessThan(1);
    }
  });

  it('rejects bad options and inputs with a ValidationError naming the field', () => {
    expect(fieldOf(() => new DynamicWeighting({ members: [] }))).toBe('members');
    expect(fieldOf(() => new DynamicWeighting({ members: ['a', 'a'] }))).toBe('members.1');
    expect(fieldOf(() => new DynamicWeighting({ members: ['a', 'b'], halfLifeHours: -1 }))).toBe('halfLifeHours');
    expect(fieldOf(() => new DynamicWeighting({ members: ['a', 'b'], eta: Number.NaN }))).toBe('eta');
    expect(fieldOf(() => new DynamicWeighting({ members: ['a', 'b'], floor: 0.5 }))).toBe('floor');
    expect(fieldOf(() => new DynamicWeighting({ members: ['a', 'b'], reweightEveryMs: 0 }))).toBe('reweightEveryMs');
    expect(fieldOf(() => new DynamicWeighting({ members: ['a', 'b'], shock: { robustMember: 'huber' } }))).toBe('shock.robustMember');
    expect(fieldOf(() => new DynamicWeighting({ members: ['a', 'b'], shock: { threshold: 2 } }))).toBe('shock.threshold');
    const dw = new DynamicWeighting({ members: ['a', 'b'] });
    expect(fieldOf(() => dw.issue(0, T0, T0 + HOUR, { a: normal(0, 1), zz: normal(0, 1) }))).toBe('forecasts.zz');
    expect(fieldOf(() => dw.issue(0, T0, T0 + HOUR, {}))).toBe('forecasts');
    expect(fieldOf(() => dw.issue(0, T0, T0, { a: normal(0, 1) }))).toBe('resolvesAt');
    dw.issue(0, T0, T0 + HOUR, { a: normal(0, 1) });
    expect(fieldOf(() => dw.issue(1, T0 - HOUR, T0 + HOUR, { a: normal(0, 1) }))).toBe('asOf');
    expect(fieldOf(() => dw.issue(1, T0, T0 + HOUR, { a: normal(0, 1) }, { shockScore: 3 }))).toBe('shockScore');
    expect(fieldOf(() => DynamicWeighting.restore({ kind: 'nope' } as never))).toBe('state.kind');
  });
});
