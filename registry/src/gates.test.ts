import { HOUR } from '@satcast/core';
import { afterEach, describe, expect, it } from 'vitest';
import { GateController } from './controller.js';
import { evaluatePromotion, evaluateRollback, overlapLag, pairOutcomes } from './gates.js';
import type { RegistryStore } from './store.js';
import { LINE, artifact, card, makeRegistry, normals, outcomes } from './test-util.js';

/** Losses around `level` with noise sd 0.3 and AR(1) 0.5 persistence, like overlapping forecast errors. */
function losses(seed: number, n: number, level: number): number[] {
  const e = normals(seed, n);
  let prev = 0;
  return e.map((x) => {
    prev = 0.5 * prev + 0.3 * x;
    return Math.max(0, level + prev);
  });
}

describe('promotion gate', () => {
  it('promotes a challenger that is significantly better on pinball', () => {
    const v = evaluatePromotion(outcomes('A', losses(1, 1000, 1)), outcomes('B', losses(2, 1000, 0.9)));
    expect(v.promote).toBe(true);
    expect(v.numbers.pValue as number).toBeLessThan(0.05);
    expect(v.numbers.relativeImprovement as number).toBeGreaterThan(0.05);
    expect(v.reason).toMatch(/DM p=/);
  });

  it('keeps the champion when the challenger is not better (same distribution)', () => {
    const v = evaluatePromotion(outcomes('A', losses(3, 1000, 1)), outcomes('B', losses(4, 1000, 1)));
    expect(v.promote).toBe(false);
    expect(v.numbers.pValue as number).toBeGreaterThanOrEqual(0.05);
    expect(v.reason).toMatch(/not significantly better/);
  });

  it('keeps the champion when the challenger is worse, or when there are too few pairs', () => {
    expect(evaluatePromotion(outcomes('A', losses(5, 1000, 0.9)), outcomes('B', losses(6, 1000, 1))).promote).toBe(false);
    const few = evaluatePromotion(outcomes('A', losses(7, 50, 1)), outcomes('B', losses(8, 50, 0.5)));
    expect(few).toMatchObject({ promote: false, numbers: { n: 50 } });
    expect(few.reason).toMatch(/need 200/);
  });

  it('requires the stated minimum improvement on top of significance', () => {
    const a = outcomes('A', losses(9, 2000, 1));
    const b = outcomes('B', losses(10, 2000, 0.95));
    expect(evaluatePromotion(a, b).promote).toBe(true);
    expect(evaluatePromotion(a, b, { minImprovement: 0.2 }).promote).toBe(false);
  });

  it('MAE and coverage metrics: a better-calibrated band wins on coverage error', () => {
    const n = 1000;
    const champ = outcomes('A', losses(11, n, 1), { covered: (i) => i % 5 !== 0 }); // 80% coverage
    const chall = outcomes('B', losses(12, n, 1), { covered: (i) => i % 10 !== 0 }); // 90% coverage
    const v = evaluatePromotion(champ, chall, { metric: 'coverage' });
    expect(v.numbers.champion).toBeCloseTo(0.1, 12);
    expect(v.numbers.challenger).toBeCloseTo(0, 12);
    expect(v.promote).toBe(true);
    expect(evaluatePromotion(chall, champ, { metric: 'coverage' }).promote).toBe(false);
    expect(evaluatePromotion(outcomes('A', losses(13, n, 1)), outcomes('B', losses(14, n, 0.8)), { metric: 'mae' }).promote).toBe(true);
  });

  it('pairs by issue time and uses the horizon overlap as the minimum HAC lag', () => {
    const a = outcomes('A', losses(15, 300, 1), { horizon: '24h' });
    const b = outcomes('B', losses(16, 300, 1), { horizon: '24h' }).filter((_, i) => i % 3 !== 0);
    const p = pairOutcomes(a, b);
    expect(p.a).toHaveLength(200);
    expect(p.a.every((o, i) => o.issuedAt === p.b[i]!.issuedAt)).toBe(true);
    expect(overlapLag(a)).toBe(23); // 24h forecasts issued hourly
    expect(evaluatePromotion(a, outcomes('B', losses(16, 300, 1), { horizon: '24h' })).numbers.lag).toBe(23);
  });
});

describe('rollback gate', () => {
  const live = (level: number) => outcomes('A', Array.from({ length: 600 }, () => level));

  it('rolls back when live pinball is worse than validation by more than 2%', () => {
    const v = evaluateRollback(live(1.03), { validation: 1 });
    expect(v.rollback).toBe(true);
    expect(v.numbers.worsening as number).toBeCloseTo(0.03, 12);
    expect(v.numbers.n).toBe(500);
  });

  it('keeps within the margin, and without enough outcomes', () => {
    expect(evaluateRollback(live(1.019), { validation: 1 }).rollback).toBe(false);
    expect(evaluateRollback(live(1.5).slice(0, 50), { validation: 1 }).rollback).toBe(false);
  });

  it('also compares with the previous champion; a configurable margin and window', () => {
    expect(evaluateRollback(live(1.03), { validation: 2, previousChampion: 1 }).rollback).toBe(true);
    expect(evaluateRollback(live(1.03), { validation: 1 }, { margin: 0.05 }).rollback).toBe(false);
    const mixed = [...outcomes('A', Array(500).fill(1)), ...outcomes('A', Array(100).fill(2), { start: Date.UTC(2026, 0, 1) })];
    expect(evaluateRollback(mixed, { validation: 1 }, { window: 100 }).numbers.live).toBe(2);
  });
});

describe('GateController with the registry', () => {
  const open: RegistryStore[] = [];
  afterEach(async () => {
    while (open.length) await open.pop()!.close();
  });

  it('promotes a significantly better challenger, keeps a null one, and logs both with numbers', async () => {
    const { registry, store } = await makeRegistry();
    open.push(store);
    const a = await registry.register({ ...LINE, artifact: artifact('a'), card: card() });
    const data = new Map<string, ReturnType<typeof outcomes>>();
    const gc = new GateController({ registry, outcomes: async (v) => data.get(v) ?? [] });
    await registry.setAlias('challenger', a.version, 'bootstrap');
    expect((await gc.evaluateChallenger(LINE))?.decision.action).toBe('promote'); // first champion
    const b = await registry.register({ ...LINE, artifact: artifact('b'), card: card(), alias: 'challenger' });
    data.set(a.version, outcomes(a.version, losses(20, 800, 1)));
    data.set(b.version, outcomes(b.version, losses(21, 800, 1)));
    const kept = await gc.evaluateChallenger(LINE);
    expect(kept?.decision).toMatchObject({ action: 'gate', fromVersion: a.version, toVersion: b.version });
    expect(kept?.decision.numbers.pValue).toBeGreaterThan(0.05);
    expect(await registry.resolveVersion(LINE, 'champion')).toBe(a.version);
    data.set(b.version, outcomes(b.version, losses(21, 800, 0.85)));
    const promoted = await gc.evaluateChallenger(LINE);
    expect(promoted?.decision).toMatchObject({ action: 'promote', fromVersion: a.version, toVersion: b.version });
    expect(promoted?.decision.numbers.pValue).toBeLessThan(0.05);
    expect(await registry.resolveVersion(LINE, 'champion')).toBe(b.version);
  });

  it('rolls back automatically when the champion worsens past its validation baseline', async () => {
    const { registry, store, clock } = await makeRegistry();
    open.push(store);
    const a = await registry.register({ ...LINE, artifact: artifact('a'), card: card({ validation: { '24h': { pinball: 1 } } }) });
    const b = await registry.register({ ...LINE, artifact: artifact('b'), card: card({ validation: { '24h': { pinball: 1 } } }) });
    await registry.promote(a.version);
    clock.t += HOUR;
    await registry.promote(b.version);
    const start = clock.t;
    const data = new Map([[b.version, outcomes(b.version, Array(300).fill(1.01), { start })]]);
    const gc = new GateController({ registry, outcomes: async (v) => data.get(v) ?? [] });
    expect((await gc.checkChampion(LINE))?.decision).toBeUndefined();
    data.set(b.version, outcomes(b.version, Array(300).fill(1.1), { start }));
    const r = await gc.checkChampion(LINE);
    expect(r?.decision).toMatchObject({ action: 'rollback', fromVersion: b.version, toVersion: a.version, actor: 'monitor' });
    expect(r?.decision?.numbers).toMatchObject({ validation: 1, margin: 0.02 });
    expect(r?.decision?.numbers.live as number).toBeCloseTo(1.1, 9);
    expect(await registry.resolveVersion(LINE, 'champion')).toBe(a.version);
  });
});
