/**
 * Median pruning (Optuna's `MedianPruner`): stop a trial at step s when its intermediate value is worse
 * than the median of the completed trials' values at the same step. Waits for `nStartupTrials` completed
 * trials and `nWarmupSteps` steps, and only checks every `intervalSteps` steps after the warm-up.
 */
import { quantileSorted, ValidationError } from '@satcast/core';
import type { TrialRecord } from './types.js';

export interface MedianPrunerOptions {
  /** Completed trials needed before anything is pruned (Optuna: 5). */
  nStartupTrials?: number;
  /** Steps s < nWarmupSteps are never pruned (Optuna: 0). */
  nWarmupSteps?: number;
  /** Check only at steps nWarmupSteps + k * intervalSteps (Optuna: 1). */
  intervalSteps?: number;
  /** Fewest completed trials with a value at step s for the comparison to count (Optuna: 1). */
  nMinTrials?: number;
}

/** Decides whether a running trial should stop (minimisation). */
export interface Pruner {
  shouldPrune(trials: readonly TrialRecord[], step: number, value: number, intermediate: ReadonlyMap<number, number>): boolean;
}

/** A pruner that never prunes. */
export const NopPruner: Pruner = { shouldPrune: () => false };

/**
 * The median pruner.
 * @example
 * const pruner = new MedianPruner({ nStartupTrials: 5, nWarmupSteps: 1 });
 * pruner.shouldPrune(finished, 2, 0.93, new Map([[0, 0.9], [1, 0.95], [2, 0.93]]));
 */
export class MedianPruner implements Pruner {
  readonly nStartupTrials: number;
  readonly nWarmupSteps: number;
  readonly intervalSteps: number;
  readonly nMinTrials: number;

  constructor(o: MedianPrunerOptions = {}) {
    this.nStartupTrials = o.nStartupTrials ?? 5;
    this.nWarmupSteps = o.nWarmupSteps ?? 0;
    this.intervalSteps = o.intervalSteps ?? 1;
    this.nMinTrials = o.nMinTrials ?? 1;
    for (const [field, v, min] of [['nStartupTrials', this.nStartupTrials, 0], ['nWarmupSteps', this.nWarmupSteps, 0], ['intervalSteps', this.intervalSteps, 1], ['nMinTrials', this.nMinTrials, 1]] as const) {
      if (!Number.isInteger(v) || v < min) throw new ValidationError(`MedianPruner option "${field}" must be an integer >= ${min} (got ${v})`, { plugin: 'automl', field });
    }
  }

  shouldPrune(trials: readonly TrialRecord[], step: number, value: number): boolean {
    if (step < this.nWarmupSteps) return false;
    if ((step - this.nWarmupSteps) % this.intervalSteps !== 0) return false;
    const complete = trials.filter((t) => t.state === 'complete');
    if (complete.length < this.nStartupTrials) return false;
    const atStep: number[] = [];
    for (const t of complete) {
      const hit = t.intermediate.find(([s]) => s === step);
      if (hit && Number.isFinite(hit[1])) atStep.push(hit[1]);
    }
    if (atStep.length < this.nMinTrials || atStep.length === 0) return false;
    // A NaN value is never better than anything: prune it.
    if (Number.isNaN(value)) return true;
    return value > quantileSorted(Float64Array.from(atStep).sort(), 0.5);
  }
}
