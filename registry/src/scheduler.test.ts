import { DAY, HOUR } from '@satcast/core';
import { afterEach, describe, expect, it } from 'vitest';
import { RetrainScheduler, type RetrainRequest } from './scheduler.js';
import type { RegistryStore } from './store.js';
import { LINE, T0, artifact, card, makeRegistry, normals, outcomes } from './test-util.js';

const open: RegistryStore[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

async function setup(opts: Partial<ConstructorParameters<typeof RetrainScheduler>[0]> = {}) {
  const r = await makeRegistry();
  open.push(r.store);
  const champ = await r.registry.register({ ...LINE, artifact: artifact('champ'), card: card() });
  await r.registry.promote(champ.version);
  const calls: RetrainRequest[] = [];
  const sched = new RetrainScheduler({
    registry: r.registry, line: LINE, now: () => r.clock.t,
    retrain: async (req) => {
      calls.push(req);
      return { artifact: artifact(`retrained at ${req.at}`), card: card({ dataRange: { from: T0 - DAY * 30, to: req.at } }) };
    },
    coverage: false, drift: false, regime: false,
    ...opts,
  });
  return { ...r, sched, calls, champ };
}

describe('RetrainScheduler', () => {
  it('schedule: on a fast clock over 3 days, retrains once per day at 03:00 and registers each as challenger', async () => {
    const { sched, calls, clock, registry, champ } = await setup();
    for (let h = 0; h < 72; h++) {
      clock.t = T0 + h * HOUR + 5 * 60_000;
      await sched.tick();
    }
    expect(calls.map((c) => new Date(c.at).toISOString())).toEqual(['2025-01-01T03:05:00.000Z', '2025-01-02T03:05:00.000Z', '2025-01-03T03:05:00.000Z']);
    expect(calls.every((c) => c.parent === champ.version && c.reasons[0]!.trigger === 'schedule')).toBe(true);
    const challenger = await registry.info((await registry.resolveVersion(LINE, 'challenger'))!);
    expect(challenger).toMatchObject({ seq: 4, parent: champ.version, stage: 'challenger' });
    const retrains = await registry.decisions({ ...LINE, action: 'retrain' });
    expect(retrains).toHaveLength(3);
    expect(retrains[0]!.numbers).toMatchObject({ outcome: 'started', fired: ['schedule'] });
  });

  it('coverage: fires on degraded coverage, then respects the cooldown and logs the skip', async () => {
    const { sched, calls, clock, registry } = await setup({ schedule: false, coverage: { window: 200, minSamples: 100 } });
    for (const o of outcomes('x', Array(200).fill(1), { covered: (i) => i % 10 >= 3, horizon: '24h' })) sched.observeOutcome(o);
    expect((await sched.tick()).action).toBe('retrained');
    clock.t += HOUR;
    const second = await sched.tick();
    expect(second.action).toBe('skipped');
    expect(second.reason).toMatch(/cooldown/);
    clock.t += 6 * HOUR;
    expect((await sched.tick()).action).toBe('retrained');
    expect(calls).toHaveLength(2);
    const log = await registry.decisions({ ...LINE, action: 'retrain' });
    expect(log.map((d) => d.numbers.outcome)).toEqual(['started', 'skipped', 'started']);
    expect(log[0]!.numbers.coverage).toMatchObject({ coverage: 0.7 });
  });

  it('does not fire on a null case (good coverage, calm returns, no drift, before the slot)', async () => {
    const reference = { rv: normals(1, 1000) };
    const { sched, calls, clock } = await setup({ coverage: {}, regime: {}, drift: { window: 300 }, reference });
    clock.t = T0 + 1 * HOUR; // before 03:00
    const good = outcomes('x', Array(500).fill(1), { covered: (i) => i % 10 !== 0, horizon: '24h' });
    good.forEach((o) => sched.observeOutcome(o));
    let price = 100_000;
    for (const r of normals(2, 1000)) sched.observeClose((price *= Math.exp(0.01 * r)));
    normals(3, 300).forEach((v, i) => sched.observeFeatures({ asset: 'BTCUSDT', time: T0 + i * HOUR, values: { rv: v, other: 1 } }));
    const r = await sched.tick();
    expect(r.action).toBe('none');
    expect(r.triggers.map((t) => [t.trigger, t.fire])).toEqual([['coverage', false], ['drift', false], ['schedule', false], ['regime', false]]);
    expect(calls).toHaveLength(0);
  });

  it('drift and regime each fire on a constructed case', async () => {
    const reference = { rv: normals(1, 1000) };
    const d = await setup({ schedule: false, drift: { window: 300 }, reference });
    normals(3, 300).forEach((v, i) => d.sched.observeFeatures({ asset: 'BTCUSDT', time: T0 + i * HOUR, values: { rv: v + 1 } }));
    expect((await d.sched.tick()).triggers[0]).toMatchObject({ trigger: 'drift', fire: true });
    const g = await setup({ schedule: false, regime: {} });
    let price = 100_000;
    for (const r of normals(4, 1000)) g.sched.observeClose((price *= Math.exp(0.01 * r)));
    for (const r of normals(5, 24)) g.sched.observeClose((price *= Math.exp(0.05 * r)));
    const res = await g.sched.tick();
    expect(res).toMatchObject({ action: 'retrained', triggers: [{ trigger: 'regime', fire: true }] });
  });

  it('one retrain at a time; a failing retrain is logged and the champion is untouched', async () => {
    const r = await makeRegistry();
    open.push(r.store);
    let release!: () => void;
    const gate = new Promise<void>((res) => (release = res));
    let fail = false;
    const sched = new RetrainScheduler({
      registry: r.registry, line: LINE, now: () => r.clock.t, coverage: false, drift: false, regime: false,
      retrain: async () => {
        await gate;
        if (fail) throw new Error('out of memory');
        return { artifact: artifact('new'), card: card() };
      },
    });
    r.clock.t = T0 + 3 * HOUR;
    const first = sched.tick();
    await new Promise((res) => setImmediate(res));
    expect((await sched.tick()).reason).toMatch(/already running/);
    release();
    expect((await first).action).toBe('retrained');
    fail = true;
    r.clock.t += DAY;
    const failed = await sched.tick();
    expect(failed).toMatchObject({ action: 'failed', reason: 'out of memory' });
    const log = await r.registry.decisions({ action: 'retrain' });
    expect(log.at(-1)!.reason).toBe('failed: out of memory');
  });
});
