/**
 * Purged time-series cross-validation: expanding-window folds in time order (as scikit-learn's
 * `TimeSeriesSplit` with `gap`). The usable rows are cut into `folds + 1` blocks; fold k validates on
 * block k + 1 and trains on every row before it except the last `gapRows`, whose targets (one horizon
 * long) would overlap the validation period (de Prado's purge). Validation rows always come strictly
 * after their training rows, so a score never rewards looking ahead.
 */
import { HORIZON_MS, ValidationError, type TrainingSet } from '@satcast/core';

/** Row index ranges of one fold: train [0, trainEnd), validate [validStart, validEnd). */
export interface Fold {
  trainEnd: number;
  validStart: number;
  validEnd: number;
}

/** Fits on `train`, returns the loss on `valid` (lower is better). */
export type CvLearner = (train: TrainingSet, valid: TrainingSet, fold: number) => number | Promise<number>;

export interface CvOptions {
  /** Validation folds (default 5). */
  folds?: number;
  /** Rows dropped between training and validation; default one horizon in bars. */
  gapRows?: number;
  /** Bar length of the rows, ms (for the default gap). Default 1 h. */
  barMs?: number;
  /**
   * Called after each fold with its loss and the running mean so far; return true to stop early (a
   * pruned trial). The result then holds the folds done.
   */
  onFold?: (fold: number, loss: number, runningMean: number) => boolean | void;
}

export interface CvResult {
  /** Mean validation loss over the folds run. */
  mean: number;
  /** Loss of each fold run, oldest first. */
  folds: number[];
  splits: Fold[];
  /** True when `onFold` stopped the run. */
  stopped: boolean;
}

/** Bars in one horizon: the purge gap that keeps training targets out of the validation period. */
export function horizonBars(rows: Pick<TrainingSet, 'horizon'>, barMs = 3_600_000): number {
  return Math.max(1, Math.ceil(HORIZON_MS[rows.horizon] / barMs));
}

/**
 * The expanding-window folds over `n` rows (n = rows up to the last known target).
 * @example
 * purgedFolds(1000, { folds: 4, gapRows: 24 }); // validates 200..399, .., 800..999
 */
export function purgedFolds(n: number, o: { folds: number; gapRows: number }): Fold[] {
  if (!Number.isInteger(o.folds) || o.folds < 1 || o.folds > 100) throw new ValidationError(`folds must be an integer 1..100 (got ${o.folds})`, { plugin: 'automl', field: 'folds' });
  if (!Number.isInteger(o.gapRows) || o.gapRows < 0) throw new ValidationError(`gapRows must be an integer >= 0 (got ${o.gapRows})`, { plugin: 'automl', field: 'gapRows' });
  const size = Math.floor(n / (o.folds + 1));
  if (size < 1 || size - o.gapRows < 1) {
    throw new ValidationError(`${n} rows are too few for ${o.folds} folds with a gap of ${o.gapRows} rows`, { plugin: 'automl', field: 'rows' });
  }
  const out: Fold[] = [];
  for (let k = 0; k < o.folds; k++) {
    const validStart = n - (o.folds - k) * size;
    out.push({ trainEnd: validStart - o.gapRows, validStart, validEnd: validStart + size });
  }
  return out;
}

/** Rows [lo, hi) as views (no copy). */
export function sliceRows(rows: TrainingSet, lo: number, hi: number): TrainingSet {
  return {
    horizon: rows.horizon,
    times: rows.times.subarray(lo, hi),
    features: Object.fromEntries(Object.entries(rows.features).map(([k, v]) => [k, v.subarray(lo, hi)])),
    target: rows.target.subarray(lo, hi),
  };
}

/** Rows up to and including the last finite target (later rows have no label to score). */
export function labelledLength(rows: TrainingSet): number {
  let n = rows.target.length;
  while (n > 0 && !Number.isFinite(rows.target[n - 1]!)) n--;
  return n;
}

/**
 * Score a learner by purged expanding-window CV.
 * @example
 * const { mean, folds } = await purgedTimeSeriesCv(trainingSet, ridgeLearner(), { folds: 5 });
 */
export async function purgedTimeSeriesCv(rows: TrainingSet, learner: CvLearner, o: CvOptions = {}): Promise<CvResult> {
  const splits = purgedFolds(labelledLength(rows), { folds: o.folds ?? 5, gapRows: o.gapRows ?? horizonBars(rows, o.barMs) });
  const losses: number[] = [];
  let stopped = false;
  for (let k = 0; k < splits.length; k++) {
    const s = splits[k]!;
    const loss = await learner(sliceRows(rows, 0, s.trainEnd), sliceRows(rows, s.validStart, s.validEnd), k);
    losses.push(loss);
    const mean = losses.reduce((a, b) => a + b, 0) / losses.length;
    if (o.onFold?.(k, loss, mean) === true && k < splits.length - 1) {
      stopped = true;
      break;
    }
  }
  return { mean: losses.reduce((a, b) => a + b, 0) / losses.length, folds: losses, splits, stopped };
}
