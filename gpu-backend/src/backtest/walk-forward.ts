/**
 * Walk-forward evaluation. For every horizon and model, refit times T_0 < T_1 < ... are laid on a fixed
 * grid anchored at the start of the run (never at its end, so what happens later cannot move a refit).
 * At T_k the model is fitted on rows whose bar had closed AND whose target was public by T_k (sliding or
 * expanding window), then predicts every row issued in [T_k, T_k+1). Nothing fitted at T_k sees a price
 * after T_k: features are point-in-time, scalers/binning/calibration live inside the model's fit, and the
 * served layer (`satcast`) adapts only on outcomes public before each issue time.
 *
 * `satcast` is the served model passed through the same layer as live serving: adaptive conformal scaling
 * of its band (ACI), Platt recalibration of pUp on its own out-of-sample history, then `toPrediction`
 * (confidence, conservative flag and shrink toward persistence below the threshold).
 */
import {
  checkForecasts,
  createPluginContext,
  HORIZON_MS,
  logReturnTargets,
  QUANTILE_LEVELS,
  sequenceContext,
  type Horizon,
  type EnsembleConfig,
  type Logger,
  type ModelDefinition,
  type QuantileKey,
  type ReturnForecast,
} from '@satcast/core';
import { toPrediction } from '../pipeline/forecast.js';
import { createCombiner, type Combiner } from '../ensemble/combiner.js';
import { ServingLayer, VolRegimes } from '../pipeline/serving-layer.js';
import { trainingRows, type History } from './history.js';

export const KEYS = Object.keys(QUANTILE_LEVELS) as QuantileKey[];
export const SERVED = 'satcast';

export interface BacktestModel {
  id: string;
  plugin: ModelDefinition<unknown>;
  options: unknown;
  /** This model's refit period, overriding the run's (e.g. slow neural fits refitted yearly). */
  refitEveryMs?: number;
}

/** Refit period of a model in a run. */
const periodOf = (m: BacktestModel, o: Pick<WalkForwardOptions, 'refitEveryMs' | 'cheapRefitEveryMs'>) =>
  m.refitEveryMs ?? (m.plugin.capabilities.cheapRefit ? o.cheapRefitEveryMs : o.refitEveryMs);

export interface WalkForwardOptions {
  horizons: readonly Horizon[];
  models: readonly BacktestModel[];
  /** Id of the model served as `satcast`. */
  servedModel: string;
  /** Scored issue times: [from, to). */
  from: number;
  to: number;
  /** Refit period of models that are not cheap to refit. */
  refitEveryMs: number;
  /** Refit period of cheap models (baselines); live serving refits them every bar. */
  cheapRefitEveryMs: number;
  window: 'sliding' | 'expanding';
  /** Rows in a sliding window. */
  trainRows: number;
  /** The walk starts this long before `from` (unscored) so the served layer has out-of-sample history. */
  warmupMs: number;
  confidenceThreshold: number;
  /** ACI step on the log band scale per outcome. */
  aciGamma: number;
  log: Logger;
  onProgress?: (done: number, total: number, label: string) => void | Promise<void>;
  /** Volatility regimes for the served layer (default: from the history's closes). */
  regimes?: VolRegimes;
  /** Combinations of the models' out-of-sample forecasts, each scored like a model (and servable). */
  ensembles?: readonly EnsembleConfig[];
}

/** Forecasts of one model for one horizon, aligned on the scored rows. Prices, not returns. */
export interface ForecastSeries {
  point: Float64Array;
  q: Record<QuantileKey, Float64Array>;
  pUp: Float64Array;
  conservative: Uint8Array;
}

export interface HorizonResult {
  horizon: Horizon;
  /** Bar index of each scored row. */
  rows: Int32Array;
  issuedAt: Float64Array;
  lastPrice: Float64Array;
  actual: Float64Array;
  byModel: Record<string, ForecastSeries>;
  /** The served layer's band scale at each scored row (diagnostics for the report). */
  aciScale: Float64Array;
  /** The served layer's state after the last issued row (the live pipeline continues from it). */
  layer: ServingLayer;
  /** Each ensemble's combiner after the last issued row (the live pipeline continues from them). */
  combiners: Record<string, Combiner>;
}

interface RawForecasts {
  /** Bar index -> forecast, for rows issued in [start, to). */
  f: (ReturnForecast | undefined)[];
}

/** Bars closed by time t: count of rows with openTime + bar <= t. */
function closedBy(h: History, t: number): number {
  let lo = 0;
  let hi = h.openTime.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (h.openTime[mid]! + h.barMs <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

async function forecastModel(
  h: History,
  m: BacktestModel,
  horizon: Horizon,
  target: Float64Array,
  start: number,
  o: WalkForwardOptions,
  tick: () => Promise<void>,
): Promise<RawForecasts> {
  const inputs = m.plugin.inputs(m.options);
  for (const f of inputs) if (!h.cols[f]) throw new Error(`model "${m.id}" needs feature "${f}", which no configured feature set produces`);
  const period = periodOf(m, o);
  const f: (ReturnForecast | undefined)[] = new Array(h.openTime.length);
  for (let t = start; t < o.to; t += period) {
    const end = closedBy(h, t);
    const segEnd = closedBy(h, Math.min(t + period, o.to));
    // Rows issued in (t, t + period]; the bar closing exactly at t is in the training window (closed at t).
    const segStart = end;
    if (segEnd <= segStart) continue;
    const lo = o.window === 'sliding' ? Math.max(0, end - o.trainRows) : 0;
    const model = await m.plugin.create(m.options, createPluginContext({ log: o.log }));
    await model.fit(trainingRows(h, horizon, inputs, target, lo, end, t));
    const pf: Record<string, Float64Array> = {};
    for (const name of inputs) pf[name] = h.cols[name]!.slice(segStart, segEnd);
    const ptimes = Float64Array.from(h.openTime.subarray(segStart, segEnd), (x) => x + h.barMs);
    const context = sequenceContext(h.cols, (i) => h.openTime[i]! + h.barMs, inputs, segStart, m.plugin.capabilities.sequenceLength);
    const out = checkForecasts(m.id, segEnd - segStart, await model.predict({ horizon, times: ptimes, features: pf, ...(context ? { context } : {}) }));
    for (let i = segStart; i < segEnd; i++) f[i] = out[i - segStart];
    await tick();
  }
  return { f };
}

/**
 * An ensemble's forecasts over [start, to): its combiner fed in issue order with the members' out-of-sample
 * forecasts, and each outcome only once it is public (the same code the live pipeline runs).
 */
function combineWalk(h: History, horizon: Horizon, target: Float64Array, raw: Record<string, RawForecasts>, e: EnsembleConfig, start: number, to: number) {
  const hMs = HORIZON_MS[horizon];
  const combiner = createCombiner(e);
  const anomaly = e.shock ? h.cols[e.shock.feature] : undefined;
  if (e.shock && !anomaly) throw new Error(`ensemble "${e.id}" reads shock feature "${e.shock.feature}", which no configured feature set produces`);
  const f: (ReturnForecast | undefined)[] = new Array(h.openTime.length);
  const realized = (row: number) => (Number.isFinite(target[row]!) ? target[row]! : undefined);
  for (let i = closedBy(h, start); i < closedBy(h, to); i++) {
    const members: Record<string, ReturnForecast> = {};
    for (const id of e.members) {
      const m = raw[id]?.f[i];
      if (m) members[id] = m;
    }
    if (Object.keys(members).length === 0) continue;
    const asOf = h.openTime[i]! + h.barMs;
    combiner.resolve(asOf, realized);
    f[i] = combiner.issue(i, asOf, asOf + hMs, members, anomaly ? anomaly[i]! : undefined);
  }
  return { f, combiner };
}

/** Run the walk-forward for every horizon and model. */
export async function walkForward(h: History, o: WalkForwardOptions): Promise<HorizonResult[]> {
  const start = o.from - o.warmupMs;
  const fitsPerModel = (m: BacktestModel) => Math.ceil((o.to - start) / periodOf(m, o));
  const total = o.horizons.length * o.models.reduce((s, m) => s + fitsPerModel(m), 0);
  let done = 0;
  const results: HorizonResult[] = [];
  for (const horizon of o.horizons) {
    const hMs = HORIZON_MS[horizon];
    const target = logReturnTargets(h.openTime, h.close, hMs);
    const raw: Record<string, RawForecasts> = {};
    for (const m of o.models) {
      raw[m.id] = await forecastModel(h, m, horizon, target, start, o, async () => {
        done++;
        await o.onProgress?.(done, total, `${horizon} ${m.id}`);
      });
    }
    const combiners: Record<string, Combiner> = {};
    for (const e of o.ensembles ?? []) {
      const { f, combiner } = combineWalk(h, horizon, target, raw, e, start, o.to);
      raw[e.id] = { f };
      combiners[e.id] = combiner;
    }
    results.push({ ...assemble(h, horizon, target, raw, o), combiners });
  }
  return results;
}

/** Scored rows, price-level series per model, and the served layer run in issue order. */
function assemble(h: History, horizon: Horizon, target: Float64Array, raw: Record<string, RawForecasts>, o: WalkForwardOptions): Omit<HorizonResult, 'combiners'> {
  const ids = [...o.models.map((m) => m.id), ...(o.ensembles ?? []).map((e) => e.id)];
  const hMs = HORIZON_MS[horizon];
  const first = closedBy(h, o.from - o.warmupMs);
  const last = closedBy(h, o.to);
  const servedRaw = raw[o.servedModel];
  if (!servedRaw) throw new Error(`served model "${o.servedModel}" is not among the backtested models`);

  // The served layer, fed in issue order with outcomes public at each issue time (same code as live).
  const layer = new ServingLayer(o.regimes ?? new VolRegimes(h.close), { aciGamma: o.aciGamma, plattEveryMs: o.refitEveryMs });
  const served: (ReturnForecast | undefined)[] = new Array(h.openTime.length);
  const scale = new Float64Array(h.openTime.length).fill(Number.NaN);
  const realized = (row: number) => (Number.isFinite(target[row]!) ? target[row]! : undefined);
  for (let i = first; i < last; i++) {
    const f = servedRaw.f[i];
    if (!f) continue;
    const asOf = h.openTime[i]! + h.barMs;
    layer.resolve(asOf, realized);
    served[i] = layer.issue(i, asOf, asOf + hMs, f);
    scale[i] = served[i]!.info!.bandScale as number;
  }

  const scored: number[] = [];
  for (let i = closedBy(h, o.from - 1); i < last; i++) {
    const asOf = h.openTime[i]! + h.barMs;
    if (asOf < o.from || asOf >= o.to) continue;
    if (!Number.isFinite(target[i]!)) continue;
    if (!served[i] || ids.some((id) => !raw[id]!.f[i])) continue;
    scored.push(i);
  }
  const n = scored.length;
  const rows = Int32Array.from(scored);
  const lastPrice = Float64Array.from(scored, (i) => h.close[i]!);
  const actual = Float64Array.from(scored, (i) => h.close[i]! * Math.exp(target[i]!));
  const series = (get: (i: number) => { point: number; q: Record<QuantileKey, number>; pUp: number; conservative: boolean }): ForecastSeries => {
    const s: ForecastSeries = {
      point: new Float64Array(n),
      q: Object.fromEntries(KEYS.map((k) => [k, new Float64Array(n)])) as Record<QuantileKey, Float64Array>,
      pUp: new Float64Array(n),
      conservative: new Uint8Array(n),
    };
    scored.forEach((i, r) => {
      const v = get(i);
      s.point[r] = v.point;
      for (const k of KEYS) s.q[k][r] = v.q[k];
      s.pUp[r] = v.pUp;
      s.conservative[r] = v.conservative ? 1 : 0;
    });
    return s;
  };
  const byModel: Record<string, ForecastSeries> = {};
  for (const id of ids) {
    byModel[id] = series((i) => {
      const f = raw[id]!.f[i]!;
      const c = h.close[i]!;
      return { point: c * Math.exp(f.point), q: Object.fromEntries(KEYS.map((k) => [k, c * Math.exp(f.quantiles[k])])) as Record<QuantileKey, number>, pUp: f.pUp, conservative: false };
    });
  }
  byModel[SERVED] = series((i) => {
    const p = toPrediction(served[i]!, {
      asset: 'backtest',
      horizon,
      issuedAt: h.openTime[i]! + h.barMs,
      lastPrice: h.close[i]!,
      modelId: o.servedModel,
      modelVersion: `${o.servedModel}@backtest`,
      confidenceThreshold: o.confidenceThreshold,
    });
    return { point: p.point, q: p.quantiles, pUp: p.pUp, conservative: p.conservative };
  });
  return {
    horizon,
    rows,
    issuedAt: Float64Array.from(scored, (i) => h.openTime[i]! + h.barMs),
    lastPrice,
    actual,
    byModel,
    aciScale: Float64Array.from(scored, (i) => scale[i]!),
    layer,
  };
}

