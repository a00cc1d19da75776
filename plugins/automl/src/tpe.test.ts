import { describe, expect, it } from 'vitest';
import { ValidationError } from '@satcast/core';
import { InMemoryStorage, RandomSampler, Study, TpeSampler, type Sampler, type SearchSpace } from './index.js';

const branin = (x1: number, x2: number) => {
  const a = 1, b = 5.1 / (4 * Math.PI ** 2), c = 5 / Math.PI, r = 6, s = 10, t = 1 / (8 * Math.PI);
  return a * (x2 - b * x1 ** 2 + c * x1 - r) ** 2 + s * (1 - t) * Math.cos(x1) + s;
};
const BRANIN_MIN = 0.397887;
const braninSpace: SearchSpace = { x1: { type: 'float', low: -5, high: 10 }, x2: { type: 'float', low: 0, high: 15 } };

async function bestOf(sampler: Sampler, space: SearchSpace, f: (p: Record<string, number>) => number, n: number): Promise<number> {
  const study = await Study.create({ space, sampler });
  const { best } = await study.optimize((t) => f(t.params as Record<string, number>), { nTrials: n });
  return best!.value!;
}

describe('TpeSampler', () => {
  const seeds = [1, 2, 3, 4, 5, 6];

  it('finds the Branin minimum markedly better than random search (same budget, same seeds)', async () => {
    const f = (p: Record<string, number>) => branin(p.x1!, p.x2!) - BRANIN_MIN;
    let tpe = 0, rnd = 0;
    for (const s of seeds) {
      tpe += (await bestOf(new TpeSampler({ seed: s }), braninSpace, f, 60)) / seeds.length;
      rnd += (await bestOf(new RandomSampler(s), braninSpace, f, 60)) / seeds.length;
    }
    console.log(`Branin regret after 60 trials (mean of ${seeds.length} seeds): TPE ${tpe.toFixed(4)}, random ${rnd.toFixed(4)}, ratio ${(tpe / rnd).toFixed(3)}`);
    expect(tpe).toBeLessThan(0.5 * rnd);
  });

  it('beats random search on a shifted 2-D quadratic with a log and an int parameter', async () => {
    const space: SearchSpace = { lr: { type: 'float', low: 1e-4, high: 1, log: true }, depth: { type: 'int', low: 1, high: 32 } };
    const f = (p: Record<string, number>) => (Math.log10(p.lr!) + 2) ** 2 + ((p.depth! - 7) / 10) ** 2;
    let tpe = 0, rnd = 0;
    for (const s of seeds) {
      tpe += (await bestOf(new TpeSampler({ seed: s }), space, f, 50)) / seeds.length;
      rnd += (await bestOf(new RandomSampler(s), space, f, 50)) / seeds.length;
    }
    console.log(`quadratic regret after 50 trials: TPE ${tpe.toFixed(5)}, random ${rnd.toFixed(5)}`);
    expect(tpe).toBeLessThan(0.5 * rnd);
  });

  it('respects bounds, steps, ints and categoricals', async () => {
    const space: SearchSpace = {
      a: { type: 'float', low: 0.1, high: 0.9, step: 0.1 },
      b: { type: 'int', low: 2, high: 64, log: true },
      c: { type: 'categorical', choices: ['x', 'y', 'z'] },
      d: { type: 'int', low: 0, high: 100, step: 10 },
    };
    const study = await Study.create({ space, seed: 3 });
    await study.optimize((t) => (t.params.c === 'y' ? 0 : 1) + Math.abs((t.params.a as number) - 0.3) + Math.abs((t.params.d as number) - 40) / 100, { nTrials: 40 });
    for (const t of study.trials) {
      const { a, b, c, d } = t.params as { a: number; b: number; c: string; d: number };
      expect(a).toBeGreaterThanOrEqual(0.1);
      expect(a).toBeLessThanOrEqual(0.9);
      expect(Math.abs(a * 10 - Math.round(a * 10))).toBeLessThan(1e-9);
      expect(Number.isInteger(b) && b >= 2 && b <= 64).toBe(true);
      expect(['x', 'y', 'z']).toContain(c);
      expect(d % 10).toBe(0);
    }
    // The categorical that scores 0 dominates the later (TPE) trials.
    const late = study.trials.slice(20);
    expect(late.filter((t) => t.params.c === 'y').length).toBeGreaterThan(late.length / 2);
    expect(study.best!.params.c).toBe('y');
  });

  it('same seed + same stored trials -> the same next suggestion', async () => {
    const storage = new InMemoryStorage();
    const s1 = await Study.create({ space: braninSpace, seed: 9, storage });
    await s1.optimize((t) => branin(t.params.x1 as number, t.params.x2 as number), { nTrials: 15 });
    const a = (await Study.create({ space: braninSpace, seed: 9, storage: new InMemoryStorage(storage.records) })).ask();
    const b = (await Study.create({ space: braninSpace, seed: 9, storage: new InMemoryStorage(storage.records) })).ask();
    const c = (await Study.create({ space: braninSpace, seed: 10, storage: new InMemoryStorage(storage.records) })).ask();
    expect(a.number).toBe(15);
    expect(a.params).toEqual(b.params);
    expect(a.params).not.toEqual(c.params);
  });

  it('bad spaces and options throw ValidationError naming the field', async () => {
    const bad = async (space: SearchSpace) => Study.create({ space }).catch((e: unknown) => e);
    const e1 = await bad({ lr: { type: 'float', low: 0, high: 1, log: true } });
    expect(e1).toBeInstanceOf(ValidationError);
    expect((e1 as ValidationError).field).toBe('space.lr');
    expect(((await bad({ n: { type: 'int', low: 5, high: 2 } })) as ValidationError).field).toBe('space.n');
    expect(((await bad({ k: { type: 'categorical', choices: [] } })) as ValidationError).field).toBe('space.k');
    expect(((await bad({})) as ValidationError).field).toBe('space');
    expect(() => new TpeSampler({ nEiCandidates: 0 })).toThrow(/nEiCandidates/);
  });
});
