/**
 * Tree-structured Parzen Estimator sampler (Bergstra et al. 2011, as Optuna's `TPESampler` with
 * independent parameters): `nStartupTrials` uniform draws, then for each parameter the finished trials
 * are split into the best gamma(n) = min(ceil(0.1 n), 25) ("good", l) and the rest ("bad", g; pruned
 * trials always count as bad), `nEiCandidates` points are drawn from l and the one maximising
 * l(x) / g(x) is suggested. The random stream of trial k is seeded from (seed, k) only, so the same
 * seed and the same stored trials always give the same suggestion: a resumed study continues exactly.
 */
import { seededRandom, ValidationError } from '@satcast/core';
import { CategoricalParzen, NumericalParzen } from './parzen.js';
import { contains, internalBounds, internalStep, sampleUniform, toExternal, toInternal, type Params, type SearchSpace } from './space.js';
import type { TrialRecord } from './types.js';

export interface TpeOptions {
  /** Uniform random trials before TPE starts (Optuna: 10). */
  nStartupTrials?: number;
  /** Candidates drawn from l(x) per parameter (Optuna: 24). */
  nEiCandidates?: number;
  /** Size of the good group for n finished trials; default min(ceil(0.1 n), 25). */
  gamma?: (n: number) => number;
  /** Weight of the prior kernel (Optuna: 1). */
  priorWeight?: number;
  seed?: number;
}

/** Optuna's default split: the best 10 % of trials, at most 25. */
export const defaultGamma = (n: number): number => Math.min(Math.ceil(0.1 * n), 25);

/** Anything that proposes parameters from the finished trials (TPE, random search). */
export interface Sampler {
  suggest(space: SearchSpace, trials: readonly TrialRecord[], trialNumber: number): Params;
}

/** A per-trial random stream: depends on the seed and the trial number only. */
export function trialRandom(seed: number, trialNumber: number): () => number {
  return seededRandom((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(trialNumber + 1, 0x85ebca6b)) >>> 0);
}

/**
 * Uniform random search: the reference TPE must beat.
 * @example
 * const study = await Study.create({ space, sampler: new RandomSampler(7) });
 */
export class RandomSampler implements Sampler {
  constructor(private readonly seed = 0) {}
  suggest(space: SearchSpace, _trials: readonly TrialRecord[], trialNumber: number): Params {
    return sampleUniform(space, trialRandom(this.seed, trialNumber));
  }
}

/**
 * The TPE sampler.
 * @example
 * const sampler = new TpeSampler({ seed: 1, nStartupTrials: 10 });
 * const params = sampler.suggest(space, finishedTrials, 12);
 */
export class TpeSampler implements Sampler {
  readonly nStartupTrials: number;
  readonly nEiCandidates: number;
  readonly gamma: (n: number) => number;
  readonly priorWeight: number;
  readonly seed: number;

  constructor(o: TpeOptions = {}) {
    const check = (field: string, v: number, ok: boolean) => {
      if (!ok) throw new ValidationError(`TpeSampler option "${field}" is invalid (got ${v})`, { plugin: 'automl', field });
    };
    this.nStartupTrials = o.nStartupTrials ?? 10;
    this.nEiCandidates = o.nEiCandidates ?? 24;
    this.priorWeight = o.priorWeight ?? 1;
    this.seed = o.seed ?? 0;
    check('nStartupTrials', this.nStartupTrials, Number.isInteger(this.nStartupTrials) && this.nStartupTrials >= 0);
    check('nEiCandidates', this.nEiCandidates, Number.isInteger(this.nEiCandidates) && this.nEiCandidates >= 1);
    check('priorWeight', this.priorWeight, this.priorWeight > 0);
    check('seed', this.seed, Number.isInteger(this.seed));
    this.gamma = o.gamma ?? defaultGamma;
  }

  suggest(space: SearchSpace, trials: readonly TrialRecord[], trialNumber: number): Params {
    const rnd = trialRandom(this.seed, trialNumber);
    // Chronological order, so the observation weights (older = lighter) do not depend on storage order.
    const done = trials.filter((t) => t.state === 'complete' || t.state === 'pruned').sort((a, b) => a.number - b.number);
    const complete = done.filter((t) => t.state === 'complete' && Number.isFinite(t.value));
    if (complete.length < this.nStartupTrials || complete.length === 0) return sampleUniform(space, rnd);
    const nGood = Math.max(1, Math.min(complete.length, this.gamma(done.length)));
    const ranked = [...complete].sort((a, b) => a.value! - b.value! || a.number - b.number);
    const good = new Set(ranked.slice(0, nGood).map((t) => t.number));
    const out: Params = {};
    for (const [name, p] of Object.entries(space)) {
      // A trial from an older space whose value no longer fits is skipped for this parameter.
      const below = done.filter((t) => good.has(t.number) && contains(p, t.params[name]));
      const above = done.filter((t) => !good.has(t.number) && contains(p, t.params[name]));
      if (p.type === 'categorical') {
        const idx = (ts: TrialRecord[]) => ts.map((t) => p.choices.indexOf(t.params[name] as never));
        const l = new CategoricalParzen(idx(below), p.choices.length, this.priorWeight);
        const g = new CategoricalParzen(idx(above), p.choices.length, this.priorWeight);
        let best = 0, bestScore = -Infinity;
        for (let i = 0; i < this.nEiCandidates; i++) {
          const c = l.sample(rnd);
          const s = l.logPdf(c) - g.logPdf(c);
          if (s > bestScore) [best, bestScore] = [c, s];
        }
        out[name] = p.choices[best]!;
        continue;
      }
      const [lo, hi] = internalBounds(p);
      const step = internalStep(p);
      const obs = (ts: TrialRecord[]) => ts.map((t) => toInternal(p, t.params[name] as number));
      const l = new NumericalParzen(obs(below), lo, hi, step, this.priorWeight);
      const g = new NumericalParzen(obs(above), lo, hi, step, this.priorWeight);
      let best = 0.5 * (lo + hi), bestScore = -Infinity;
      for (let i = 0; i < this.nEiCandidates; i++) {
        let x = l.sample(rnd);
        // Grid parameters are scored (and suggested) on their grid points.
        if (step > 0) x = Math.min(p.high, Math.max(p.low, p.low + Math.round((x - p.low) / step) * step));
        const s = l.logPdf(x) - g.logPdf(x);
        if (s > bestScore) [best, bestScore] = [x, s];
      }
      out[name] = toExternal(p, best);
    }
    return out;
  }
}
