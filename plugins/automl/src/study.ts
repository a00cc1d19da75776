/**
 * A minimisation study: `ask()` a trial, `report()` intermediate values to the pruner, `tell()` the
 * outcome, or let `optimize()` loop until a trial count, a time budget or an abort signal. Every
 * finished trial is appended to the storage at once; `Study.create` reloads them, so an interrupted study
 * resumes where it stopped (the trial that was running is not stored and is asked again under the same
 * number) and, the sampler being a function of (seed, stored trials), suggests exactly what it would have.
 */
import { ValidationError } from '@satcast/core';
import { NopPruner, type Pruner } from './pruner.js';
import { contains, validateSpace, type Params, type SearchSpace } from './space.js';
import { TpeSampler, type Sampler } from './tpe.js';
import type { StudyStorage, TrialRecord } from './types.js';

/** Throw from an objective to end the trial as pruned (after `trial.report` returned true). */
export class TrialPruned extends Error {
  constructor(message = 'trial pruned') {
    super(message);
    this.name = 'TrialPruned';
  }
}

/** A running trial: its parameters and the intermediate values reported so far. */
export interface Trial {
  readonly number: number;
  readonly params: Params;
  readonly startedAt: number;
  readonly intermediate: ReadonlyMap<number, number>;
  /** Record the value at `step`; true means the pruner says stop (throw `TrialPruned`). */
  report(step: number, value: number): boolean;
}

/** Keeps finished trials in memory (tests, short searches); `records` is the stored list. */
export class InMemoryStorage implements StudyStorage {
  readonly records: TrialRecord[] = [];
  constructor(initial: readonly TrialRecord[] = []) {
    this.records.push(...initial.map((r) => structuredClone(r)));
  }
  load(): TrialRecord[] {
    return this.records.map((r) => structuredClone(r));
  }
  append(record: TrialRecord): void {
    this.records.push(structuredClone(record));
  }
}

export interface StudyOptions {
  space: SearchSpace;
  /** Default: `new TpeSampler({ seed })`. */
  sampler?: Sampler;
  seed?: number;
  /** Default: never prune. */
  pruner?: Pruner;
  /** Default: in memory. */
  storage?: StudyStorage;
  /** Milliseconds clock for timestamps and the time budget (inject a fake one in tests). */
  clock?: () => number;
  /**
   * Parameters of the first trials (trial k gets `enqueued[k]`), e.g. the configured options as trial 0
   * so the search reports its baseline. Missing parameters are sampled; values must lie in the space.
   */
  enqueued?: readonly Params[];
}

export type Objective = (trial: Trial, signal: AbortSignal | undefined) => number | Promise<number>;

export interface OptimizeOptions {
  /** Total finished trials the study should hold (stored ones included). Default 1000. */
  nTrials?: number;
  /** No new trial starts once this long has passed since `optimize` began (the running one finishes). */
  timeBudgetMs?: number;
  /** Abort: the running trial is discarded (not stored) and `optimize` returns. */
  signal?: AbortSignal;
  onTrial?: (record: TrialRecord, study: Study) => void;
}

export interface OptimizeResult {
  stoppedBy: 'trials' | 'time' | 'abort';
  best?: TrialRecord;
  /** Trials finished by this call. */
  ran: number;
}

/**
 * A resumable minimisation study.
 * @example
 * const study = await Study.create({ space: { x: { type: 'float', low: -5, high: 5 } }, seed: 1 });
 * const { best } = await study.optimize((t) => (t.params.x as number) ** 2, { nTrials: 50 });
 */
export class Study {
  readonly space: SearchSpace;
  readonly sampler: Sampler;
  readonly pruner: Pruner;
  readonly storage: StudyStorage;
  readonly clock: () => number;
  readonly enqueued: readonly Params[];
  private readonly finished: TrialRecord[];
  private next: number;

  private constructor(o: StudyOptions, loaded: TrialRecord[]) {
    this.space = o.space;
    this.sampler = o.sampler ?? new TpeSampler({ seed: o.seed ?? 0 });
    this.pruner = o.pruner ?? NopPruner;
    this.storage = o.storage ?? new InMemoryStorage();
    this.clock = o.clock ?? (() => Date.now());
    this.enqueued = o.enqueued ?? [];
    this.finished = [...loaded].sort((a, b) => a.number - b.number);
    this.next = this.finished.reduce((m, t) => Math.max(m, t.number + 1), 0);
  }

  /** Validate the space, load the stored trials, and return a study ready to continue. */
  static async create(o: StudyOptions): Promise<Study> {
    validateSpace(o.space);
    (o.enqueued ?? []).forEach((p, k) => {
      for (const [name, v] of Object.entries(p)) {
        const spec = o.space[name];
        if (!spec || !contains(spec, v)) throw new ValidationError(`enqueued trial ${k}: "${name}" = ${JSON.stringify(v)} is not in the search space`, { plugin: 'automl', field: `enqueued.${k}.${name}` });
      }
    });
    const loaded = o.storage ? await o.storage.load() : [];
    return new Study(o, loaded);
  }

  /** Finished trials (oldest first). */
  get trials(): readonly TrialRecord[] {
    return this.finished;
  }

  /** Lowest completed value, ties to the earlier trial. */
  get best(): TrialRecord | undefined {
    let b: TrialRecord | undefined;
    for (const t of this.finished) if (t.state === 'complete' && Number.isFinite(t.value) && (!b || t.value! < b.value!)) b = t;
    return b;
  }

  /** Start a trial with the sampler's suggestion. */
  ask(): Trial {
    const number = this.next++;
    const fixed = this.enqueued[number];
    const params = fixed ? { ...this.sampler.suggest(this.space, this.finished, number), ...fixed } : this.sampler.suggest(this.space, this.finished, number);
    const intermediate = new Map<number, number>();
    const trial: Trial = { number, params, startedAt: this.clock(), intermediate, report: (step, value) => this.report(trial, step, value) };
    return trial;
  }

  /** Record an intermediate value; returns the pruner's verdict. */
  report(trial: Trial, step: number, value: number): boolean {
    if (!Number.isInteger(step) || step < 0) throw new ValidationError(`report: step must be an integer >= 0 (got ${step})`, { plugin: 'automl', field: 'step' });
    (trial.intermediate as Map<number, number>).set(step, value);
    return this.pruner.shouldPrune(this.finished, step, value, trial.intermediate);
  }

  /** Finish a trial and append it to the storage. A non-finite value counts as failed. */
  async tell(trial: Trial, outcome: number | 'pruned' | { failed: string }): Promise<TrialRecord> {
    const base = { number: trial.number, params: trial.params, intermediate: [...trial.intermediate], startedAt: trial.startedAt, finishedAt: this.clock() };
    let rec: TrialRecord;
    if (outcome === 'pruned') {
      const last = base.intermediate.at(-1);
      rec = { ...base, state: 'pruned', ...(last ? { value: last[1] } : {}) };
    } else if (typeof outcome === 'number') {
      rec = Number.isFinite(outcome) ? { ...base, state: 'complete', value: outcome } : { ...base, state: 'failed', error: `objective returned ${outcome}` };
    } else {
      rec = { ...base, state: 'failed', error: outcome.failed };
    }
    await this.storage.append(rec);
    this.finished.push(rec);
    return rec;
  }

  /** Run trials until `nTrials` are stored, the time budget is spent, or `signal` aborts. */
  async optimize(objective: Objective, o: OptimizeOptions = {}): Promise<OptimizeResult> {
    const nTrials = o.nTrials ?? 1000;
    if (!Number.isInteger(nTrials) || nTrials < 0) throw new ValidationError(`optimize: nTrials must be an integer >= 0 (got ${nTrials})`, { plugin: 'automl', field: 'nTrials' });
    if (o.timeBudgetMs !== undefined && !(o.timeBudgetMs >= 0)) throw new ValidationError(`optimize: timeBudgetMs must be >= 0 (got ${o.timeBudgetMs})`, { plugin: 'automl', field: 'timeBudgetMs' });
    const t0 = this.clock();
    let ran = 0;
    let stoppedBy: OptimizeResult['stoppedBy'];
    for (;;) {
      if (o.signal?.aborted) { stoppedBy = 'abort'; break; }
      if (this.finished.length >= nTrials) { stoppedBy = 'trials'; break; }
      if (o.timeBudgetMs !== undefined && this.clock() - t0 >= o.timeBudgetMs) { stoppedBy = 'time'; break; }
      const trial = this.ask();
      let outcome: number | 'pruned' | { failed: string };
      try {
        outcome = await objective(trial, o.signal);
      } catch (err) {
        outcome = err instanceof TrialPruned ? 'pruned' : { failed: err instanceof Error ? err.message : String(err) };
      }
      // An interrupted trial may have been cut short: it is not stored, and is asked again on resume.
      if (o.signal?.aborted) {
        this.next = trial.number;
        stoppedBy = 'abort';
        break;
      }
      const rec = await this.tell(trial, outcome);
      ran++;
      o.onTrial?.(rec, this);
      // A CPU-bound objective resolves through microtasks only; one macrotask turn per trial lets timers,
      // I/O and signal handlers (Ctrl-C -> abort) run.
      await new Promise((r) => setTimeout(r, 0));
    }
    return { stoppedBy, best: this.best, ran };
  }
}
