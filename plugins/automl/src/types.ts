/** Records a study stores: one line per finished trial, enough to rebuild the sampler and the pruner. */
import type { Params } from './space.js';

/** How a trial ended. Trials still running are never stored: a resumed study asks for them again. */
export type TrialState = 'complete' | 'pruned' | 'failed';

export interface TrialRecord {
  /** 0-based, in the order trials were asked. */
  number: number;
  params: Params;
  state: TrialState;
  /** Objective value (complete), last intermediate value (pruned), absent (failed). */
  value?: number;
  /** Intermediate values reported by the objective, as [step, value] pairs in report order. */
  intermediate: [number, number][];
  /** Clock readings (ms) when the trial was asked and told. */
  startedAt: number;
  finishedAt: number;
  /** Why a failed trial failed. */
  error?: string;
}

/**
 * Where finished trials go. `append` is called once per finished trial, before the next is asked, so an
 * interrupted study loses at most the trial that was running.
 */
export interface StudyStorage {
  load(): TrialRecord[] | Promise<TrialRecord[]>;
  append(record: TrialRecord): void | Promise<void>;
}
