import { DAY, HOUR, MINUTE } from '@satcast/core';
import { describe, expect, it } from 'vitest';
import { coverageTrigger, driftTrigger, lastDue, nextDue, regimeTrigger, scheduleTrigger } from './triggers.js';
import { normals, outcomes } from './test-util.js';

describe('coverage trigger', () => {
  it('fires when rolling 90% band coverage falls below 0.88', () => {
    const low = outcomes('A', Array(600).fill(1), { covered: (i) => i % 100 >= 15 }); // 85%
    const r = coverageTrigger(low);
    expect(r.fire).toBe(true);
    expect(r.numbers).toMatchObject({ coverage: 0.85, n: 500, threshold: 0.88 });
  });

  it('does not fire at nominal coverage, or with too few outcomes', () => {
    expect(coverageTrigger(outcomes('A', Array(600).fill(1), { covered: (i) => i % 10 !== 0 })).fire).toBe(false);
    expect(coverageTrigger(outcomes('A', Array(50).fill(1), { covered: () => false })).fire).toBe(false);
    expect(coverageTrigger(outcomes('A', Array(600).fill(1), { covered: (i) => i % 100 >= 15 }), { threshold: 0.8 }).fire).toBe(false);
  });
});

describe('drift trigger', () => {
  const names = ['a', 'b', 'c', 'd', 'e'];
  const reference = Object.fromEntries(names.map((f, i) => [f, normals(100 + i, 2000)]));

  it('does not fire when recent values come from the training distribution', () => {
    const recent = Object.fromEntries(names.map((f, i) => [f, normals(200 + i, 300)]));
    for (const correction of ['bh', 'holm'] as const) {
      const r = driftTrigger(reference, recent, { correction });
      expect(r.fire).toBe(false);
      expect(r.numbers.tested).toBe(5);
    }
  });

  it('fires and names the shifted feature, with KS, adjusted p and PSI per feature', () => {
    const recent = Object.fromEntries(names.map((f, i) => [f, normals(200 + i, 300).map((v) => (f === 'c' ? v + 0.5 : v))]));
    const r = driftTrigger(reference, recent);
    expect(r.fire).toBe(true);
    expect(r.numbers.drifted).toEqual(['c']);
    const c = (r.numbers.features as Record<string, { ks: number; pAdjusted: number; psi: number }>).c!;
    expect(c.pAdjusted).toBeLessThan(0.05);
    expect(c.psi).toBeGreaterThan(0.1);
    expect(driftTrigger(reference, recent, { correction: 'holm' }).numbers.drifted).toEqual(['c']);
    // An effect-size floor can veto a statistically significant but small shift.
    expect(driftTrigger(reference, recent, { minPsi: 5 }).fire).toBe(false);
  });

  it('skips features without enough recent values', () => {
    expect(driftTrigger(reference, { a: normals(1, 10) }).fire).toBe(false);
  });
});

describe('schedule trigger (daily 03:00 UTC)', () => {
  const day = Date.UTC(2025, 5, 10);
  it('computes the next and last slots', () => {
    expect(nextDue(day + 2 * HOUR)).toBe(day + 3 * HOUR);
    expect(nextDue(day + 3 * HOUR)).toBe(day + DAY + 3 * HOUR);
    expect(lastDue(day + 3 * HOUR)).toBe(day + 3 * HOUR);
    expect(nextDue(day + 23 * HOUR, { hourUtc: 22, minuteUtc: 30 })).toBe(day + DAY + 22 * HOUR + 30 * MINUTE);
  });

  it('fires once a slot has passed since the last run, not again until the next slot', () => {
    expect(scheduleTrigger(day + 3 * HOUR, day + 2 * HOUR + 59 * MINUTE).fire).toBe(true);
    expect(scheduleTrigger(day + 3 * HOUR + 30 * MINUTE, day + 3 * HOUR).fire).toBe(false);
    expect(scheduleTrigger(day + 2 * HOUR, day - 10 * HOUR).fire).toBe(false);
    expect(scheduleTrigger(day + DAY + 4 * HOUR, day + 3 * HOUR).numbers.dueAt).toBe(day + DAY + 3 * HOUR);
  });
});

describe('regime trigger', () => {
  const calm = normals(7, 1000).map((x) => 0.01 * x);
  it('on constant-volatility returns it fires only at the 2σ tail rate (measured 3.4% of bars), never on most', () => {
    // A 2σ rule evaluated every bar has a false-alarm rate by construction; the scheduler's cooldown bounds
    // what that costs. Here: 5,201 evaluations of Gaussian returns with fixed volatility.
    const r = normals(7, 6000).map((x) => 0.01 * x);
    let fired = 0;
    let n = 0;
    for (let end = 800; end <= r.length; end++, n++) if (regimeTrigger(r.slice(0, end)).fire) fired++;
    expect(fired / n).toBeLessThan(0.06);
    expect(regimeTrigger(calm.slice(0, 990)).fire).toBe(false);
    expect(regimeTrigger(calm).numbers.trailingN).toBe(720);
  });

  it('fires when the newest 24 bars have 3x the volatility', () => {
    const spike = [...calm.slice(0, 976), ...normals(8, 24).map((x) => 0.03 * x)];
    const r = regimeTrigger(spike);
    expect(r.fire).toBe(true);
    expect(r.numbers.z as number).toBeGreaterThan(2);
  });

  it('needs enough history', () => {
    expect(regimeTrigger(calm.slice(0, 100)).fire).toBe(false);
    expect(regimeTrigger(calm.slice(0, 10)).reason).toMatch(/need 24/);
  });
});

