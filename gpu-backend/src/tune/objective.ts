/**
 * The objective of `satcast tune`: purged expanding-window time-series CV of the model plugin itself on
 * the point-in-time rows issued before `to` (targets public by `to`), scored by the pinball loss of its
 * five quantiles on the volatility-standardised return (z = r / (vol * sqrt(h))), so calm and wild folds
 * weigh alike. Each fold's running mean goes to the pruner as the intermediate value of step = fold.
 */
import { createPluginContext, HORIZON_MS, logReturnTargets, pinballLoss, QUANTILE_LEVELS, type Horizon, type Logger, type ModelDefinition, type QuantileKey, type TrainingSet } from '@satcast/core';
import { horizonBars, purgedTimeSeriesCv, TrialPruned, type Trial } from '@satcast/plugin-automl';
import { trainingRows, type History } from '../backtest/history.js';

/** Name stored in the study header: values of different objectives are not comparable. */
export const OBJECTIVE = 'cv-z-pinball';

/**
 * Rows issued strictly before `to` (the last `windowBars` of them if given) with targets public by `to`.
 * Nothing at or after `to` is read: feature columns are point-in-time and later targets are NaN.
 */
export function tuneRows(h: History, horizon: Horizon, inputs: readonly string[], to: number, windowBars?: number): TrainingSet {
  let end = 0;
  while (end < h.openTime.length && h.openTime[end]! + h.barMs < to) end++;
  const lo = windowBars ? Math.max(0, end - windowBars) : 0;
  // Returns over the whole history; trainingRows blanks every one not public by `to`.
  const target = logReturnTargets(h.openTime, h.close, HORIZON_MS[horizon]);
  return trainingRows(h, horizon, inputs, target, lo, end, to);
}

/** Mean over rows of the mean pinball loss of the five quantiles, in units of the row's sigma_h. */
async function foldLoss(def: ModelDefinition<unknown>, options: unknown, train: TrainingSet, valid: TrainingSet, log?: Logger): Promise<number> {
  // Model fits are synchronous CPU work: yield one event-loop turn per fold so SIGINT/SIGTERM handlers run.
  await new Promise((r) => setImmediate(r));
  const model = await def.create(options, createPluginContext(log ? { log } : {}));
  await model.fit(train);
  const rows: number[] = [];
  for (let i = 0; i < valid.target.length; i++) if (Number.isFinite(valid.target[i]!)) rows.push(i);
  if (!rows.length) return Number.NaN;
  const pick = (a: Float64Array) => Float64Array.from(rows, (i) => a[i]!);
  const f = await model.predict({ horizon: valid.horizon, times: pick(valid.times), features: Object.fromEntries(Object.entries(valid.features).map(([k, v]) => [k, pick(v)])) });
  const o = options as { volFeature?: string; barMs?: number };
  const vol = o.volFeature ? valid.features[o.volFeature] : undefined;
  const sh = Math.sqrt(HORIZON_MS[valid.horizon] / (o.barMs ?? 3_600_000));
  let sum = 0, n = 0;
  rows.forEach((i, k) => {
    const s = vol ? vol[i]! * sh : 1;
    if (!(s > 0) || !Number.isFinite(s)) return;
    const y = valid.target[i]!;
    let pin = 0;
    for (const q of Object.keys(QUANTILE_LEVELS) as QuantileKey[]) pin += pinballLoss(QUANTILE_LEVELS[q], f[k]!.quantiles[q], y);
    sum += pin / 5 / s;
    n++;
  });
  return n ? sum / n : Number.NaN;
}

export interface TuneObjectiveOptions {
  def: ModelDefinition<unknown>;
  /** Options every trial starts from (configured or defaults); the trial's params override them. */
  baseOptions: Record<string, unknown>;
  rows: TrainingSet;
  folds: number;
  barMs: number;
  log?: Logger;
}

/** The objective for `Study.optimize`: CV loss of the model with the trial's parameters. */
export function tuneObjective(o: TuneObjectiveOptions) {
  return async (trial: Trial, signal: AbortSignal | undefined): Promise<number> => {
    const options = o.def.optionsSchema.parse({ ...o.baseOptions, ...trial.params });
    let pruned = false;
    const cv = await purgedTimeSeriesCv(o.rows, (train, valid) => foldLoss(o.def, options, train, valid, o.log), {
      folds: o.folds,
      gapRows: horizonBars(o.rows, o.barMs),
      barMs: o.barMs,
      onFold: (k, _loss, mean) => {
        if (signal?.aborted) return true;
        pruned = trial.report(k, mean);
        return pruned;
      },
    });
    if (signal?.aborted) throw new Error('interrupted');
    if (cv.stopped && pruned) throw new TrialPruned(`pruned after fold ${cv.folds.length - 1}`);
    return cv.mean;
  };
}
