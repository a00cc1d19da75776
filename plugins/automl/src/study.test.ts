import { describe, expect, it } from 'vitest';
import { ValidationError } from '@satcast/core';
import { InMemoryStorage, MedianPruner, Study, TrialPruned, type SearchSpace, type TrialRecord } from './index.js';

const space: SearchSpace = { x: { type: 'float', low: -5, high: 5 }, y: { type: 'float', low: -5, high: 5 } };
const f = (p: Record<string, unknown>) => (p.x as number) ** 2 + (p.y as number) ** 2;

function rec(number: number, curve: number[], state: TrialRecord['state'] = 'complete'): TrialRecord {
  return { number, params: {}, state, value: curve.at(-1), intermediate: curve.map((v, i) => [i, v]), startedAt: 0, finishedAt: 0 };
}

describe('MedianPruner', () => {
  const finished = [0, 1, 2, 3, 4].map((i) => rec(i, [1 + i * 0.01, 0.9 + i * 0.01, 0.8 + i * 0.01]));

  it('prunes a trial whose curve is clearly worse than the median, keeps a better one', () => {
    const p = new MedianPruner({ nStartupTrials: 5 });
    expect(p.shouldPrune(finished, 1, 2.0)).toBe(true);
    expect(p.shouldPrune(finished, 1, 0.85)).toBe(false);
    expect(p.shouldPrune(finished, 1, 0.92)).toBe(false); // the median at step 1 is 0.92: not worse
    expect(p.shouldPrune(finished, 1, 0.9201)).toBe(true);
  });

  it('never prunes during warm-up, before n startup trials, or off the interval', () => {
    const p = new MedianPruner({ nStartupTrials: 5, nWarmupSteps: 2 });
    expect(p.shouldPrune(finished, 0, 100)).toBe(false);
    expect(p.shouldPrune(finished, 1, 100)).toBe(false);
    expect(p.shouldPrune(finished, 2, 100)).toBe(true);
    expect(new MedianPruner({ nStartupTrials: 6 }).shouldPrune(finished, 1, 100)).toBe(false);
    // Pruned trials do not count as completed startup trials, nor towards the median.
    expect(new MedianPruner({ nStartupTrials: 6 }).shouldPrune([...finished, rec(5, [50], 'pruned')], 0, 100)).toBe(false);
    const q = new MedianPruner({ nStartupTrials: 1, nWarmupSteps: 0, intervalSteps: 2 });
    expect(q.shouldPrune(finished, 1, 100)).toBe(false);
    expect(q.shouldPrune(finished, 2, 100)).toBe(true);
    expect(() => new MedianPruner({ intervalSteps: 0 })).toThrow(ValidationError);
  });

  it('prunes inside a study: a clearly worse learning curve stops early and is stored as pruned', async () => {
    const study = await Study.create({ space, seed: 1, pruner: new MedianPruner({ nStartupTrials: 3, nWarmupSteps: 1 }) });
    let stepsRun = 0;
    await study.optimize(
      (t) => {
        const bad = t.number === 5;
        let v = 0;
        for (let s = 0; s < 5; s++) {
          stepsRun++;
          v = bad ? 100 - s : 1 / (s + 1);
          if (t.report(s, v)) throw new TrialPruned();
        }
        return v;
      },
      { nTrials: 6 },
    );
    const t5 = study.trials.find((t) => t.number === 5)!;
    expect(t5.state).toBe('pruned');
    expect(t5.intermediate.map(([s]) => s)).toEqual([0, 1]); // step 0 is warm-up, pruned at step 1
    expect(t5.value).toBe(99);
    expect(study.trials.filter((t) => t.state === 'pruned')).toHaveLength(1);
    expect(stepsRun).toBe(5 * 5 + 2);
  });
});

describe('Study', () => {
  it('stops at nTrials', async () => {
    const study = await Study.create({ space, seed: 2 });
    const r = await study.optimize((t) => f(t.params), { nTrials: 17 });
    expect(r).toMatchObject({ stoppedBy: 'trials', ran: 17 });
    expect(study.trials.map((t) => t.number)).toEqual(Array.from({ length: 17 }, (_, i) => i));
  });

  it('stops at the time budget (fake clock), finishing the running trial', async () => {
    let now = 1_000;
    const study = await Study.create({ space, seed: 2, clock: () => now });
    const r = await study.optimize(
      (t) => {
        now += 7_000; // each trial "takes" 7 s
        return f(t.params);
      },
      { nTrials: 1000, timeBudgetMs: 60_000 },
    );
    // Trials start at 0, 7, .., 56 s; the 9th ends at 63 s >= 60 s, so no 10th starts.
    expect(r.stoppedBy).toBe('time');
    expect(r.ran).toBe(9);
    expect(study.trials[0]).toMatchObject({ startedAt: 1_000, finishedAt: 8_000 });
  });

  it('records failures and non-finite values as failed, and keeps going', async () => {
    const study = await Study.create({ space, seed: 2 });
    await study.optimize((t) => {
      if (t.number === 1) throw new Error('boom');
      if (t.number === 2) return Number.NaN;
      return f(t.params);
    }, { nTrials: 4 });
    expect(study.trials.map((t) => t.state)).toEqual(['complete', 'failed', 'failed', 'complete']);
    expect(study.trials[1]!.error).toBe('boom');
  });

  it('resumes after an abort: first 20 untouched, the running trial discarded and re-asked, completes to 40', async () => {
    const storage = new InMemoryStorage();
    const ac = new AbortController();
    const s1 = await Study.create({ space, seed: 5, storage, pruner: new MedianPruner() });
    const r1 = await s1.optimize(
      async (t, signal) => {
        for (let step = 0; step < 3; step++) {
          if (t.number === 20 && step === 0) ac.abort(); // Ctrl-C in the middle of trial 20
          if (signal?.aborted) throw new Error('aborted');
          if (t.report(step, f(t.params) + 1 / (step + 1))) throw new TrialPruned();
        }
        return f(t.params);
      },
      { nTrials: 40, signal: ac.signal },
    );
    expect(r1).toMatchObject({ stoppedBy: 'abort', ran: 20 });
    expect(storage.records.map((r) => r.number)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const first20 = structuredClone(storage.records);

    // An uninterrupted run with the same seed: the resumed study must make the same suggestions.
    const ref = await Study.create({ space, seed: 5, pruner: new MedianPruner() });
    const objective = (t: { params: Record<string, unknown>; report(s: number, v: number): boolean }) => {
      for (let step = 0; step < 3; step++) if (t.report(step, f(t.params) + 1 / (step + 1))) throw new TrialPruned();
      return f(t.params);
    };
    await ref.optimize(objective, { nTrials: 40 });

    const s2 = await Study.create({ space, seed: 5, storage, pruner: new MedianPruner() });
    expect(s2.trials).toHaveLength(20);
    const r2 = await s2.optimize(objective, { nTrials: 40 });
    expect(r2).toMatchObject({ stoppedBy: 'trials', ran: 20 });
    expect(storage.records.slice(0, 20)).toEqual(first20);
    expect(storage.records.map((r) => r.number)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(storage.records.map((r) => r.params)).toEqual(ref.trials.map((r) => r.params));
    expect(storage.records.map((r) => r.state)).toEqual(ref.trials.map((r) => r.state));
  });

  it('enqueued parameters become the first trials (a baseline), checked against the space', async () => {
    const study = await Study.create({ space, seed: 1, enqueued: [{ x: 1, y: 2 }, { x: 0 }] });
    await study.optimize((t) => f(t.params), { nTrials: 3 });
    expect(study.trials[0]!.params).toEqual({ x: 1, y: 2 });
    expect(study.trials[1]!.params.x).toBe(0);
    expect(study.trials[1]!.params.y).not.toBe(2);
    await expect(Study.create({ space, enqueued: [{ x: 9 }] })).rejects.toMatchObject({ field: 'enqueued.0.x' });
  });

  it('a CPU-bound objective still lets a timer or signal handler abort between trials', async () => {
    const study = await Study.create({ space, seed: 1 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 0); // stands in for a SIGINT handler: runs only on an event-loop turn
    const r = await study.optimize((t) => f(t.params), { nTrials: 1000, signal: ac.signal });
    expect(r.stoppedBy).toBe('abort');
    expect(r.ran).toBeLessThan(5);
  });

  it('bad optimize options throw ValidationError naming the field', async () => {
    const study = await Study.create({ space });
    await expect(study.optimize(() => 0, { nTrials: -1 })).rejects.toMatchObject({ field: 'nTrials' });
    await expect(study.optimize(() => 0, { timeBudgetMs: Number.NaN })).rejects.toMatchObject({ field: 'timeBudgetMs' });
    expect(() => study.report(study.ask(), -1, 0)).toThrow(/step/);
  });
});
