/**
 * The band model both volatility plugins share. A volatility engine (GARCH or HAR) turns the one-bar
 * return history into sigma_h, the forecast standard deviation of the h-bar log return. The band is
 *
 *   quantile_k = sigma_h * Q_k(z),   z = y / sigma_h on a calibration fold,
 *
 * split-conformal on the time-ordered usable training rows:  [ engine fit | calibration ]. The engine sees
 * returns up to and including the first calibration row's own bar only, so no calibration target (the
 * returns of bars after its row) was used in fitting (the one-horizon purge of the gbdt forecaster). The
 * point is sigma_h * median(z) (the median of the band); pUp is the Laplace-smoothed up-rate of the
 * calibration fold: a volatility model has no directional signal and does not pretend to.
 *
 * State carried between fit and predict: the engine's filter state after the last training row
 * (`anchor`). Predict runs the filter through `input.context` and then the rows (rows are taken as
 * consecutive bars; a jump in `times` inserts missing bars). If the sequence starts after the anchor, the
 * filter continues from it, stepping over the bars in between as missing (GARCH: expected variance; HAR:
 * windows skip them): exact when the host passes every bar since fit, an approximation otherwise. If the
 * sequence starts at or before the anchor (backtests over the training period), or more than `maxGapBars`
 * after it, the filter starts cold from the engine's long-run level and warms up over the context.
 */
import {
  HORIZON_MS,
  QUANTILE_LEVELS,
  quantileSorted,
  smoothedRate,
  sortedFinite,
  ValidationError,
  type Model,
  type PredictInput,
  type QuantileKey,
  type ReturnForecast,
  type SerializedModel,
  type TrainingSet,
} from '@satcast/core';

const KEYS = Object.keys(QUANTILE_LEVELS) as QuantileKey[];

/** A running filter over one-bar returns. */
export interface VolRunner {
  /** Observe the next bar's return (NaN: missing). */
  step(r: number): void;
  /** Variance of the sum of the next h bars' returns given what was observed. */
  horizonVariance(): number;
}

/** What a volatility model plugs into the band. `P` is its fitted parameters, `A` its anchor snapshot. */
export interface VolEngine<P, A> {
  /** Fit on a consecutive return series (NaN = missing) for an h-bar horizon. */
  fit(returns: Float64Array, hBars: number): P;
  /** A runner from a snapshot, or cold (long-run level) when `anchor` is null. */
  start(params: P, hBars: number, anchor: A | null): VolRunner & { snapshot(): A };
}

export interface BandOptions {
  returnFeature: string;
  barMs: number;
  calibrationFraction: number;
  maxGapBars: number;
}

export interface BandState<P, A> {
  horizon: string;
  hBars: number;
  params: P;
  /** Time of the last training row and the engine state after its return. */
  anchorTime: number;
  anchor: A;
  zq: Record<QuantileKey, number>;
  pUp: number;
  calibrationRows: number;
  fitRows: number;
}

interface Sequence {
  returns: Float64Array;
  /** Grid index of each input row (after context), or -1 for context rows. */
  outAt: Int32Array;
  firstTime: number;
}

const MAX_INNER_GAP = 24 * 30;

/** Expand rows onto the bar grid: a jump of k bars in `times` inserts k - 1 missing returns. */
function toGrid(times: ArrayLike<number>, rets: ArrayLike<number>, barMs: number): { returns: Float64Array; at: Int32Array } {
  const out: number[] = [];
  const at = new Int32Array(times.length);
  for (let i = 0; i < times.length; i++) {
    if (i > 0) {
      const k = Math.round((times[i]! - times[i - 1]!) / barMs);
      for (let g = 1; g < Math.min(k, MAX_INNER_GAP); g++) out.push(Number.NaN);
    }
    at[i] = out.length;
    out.push(rets[i]!);
  }
  return { returns: Float64Array.from(out), at };
}

/**
 * A `Model` from a volatility engine: fit = engine fit + conformal calibration, predict = filter + band.
 * `state()` exposes the fitted state (parameters, anchor, z-quantiles) for tools and tests.
 * @example
 * const m = createBandModel('my-vol', { returnFeature: 'logret_1', barMs: HOUR, calibrationFraction: 0.25, maxGapBars: 336 }, engine);
 */
export function createBandModel<P, A>(plugin: string, o: BandOptions, engine: VolEngine<P, A>, state?: BandState<P, A>): Model & { state(): BandState<P, A> | undefined } {
  const need = (what: string) => new ValidationError(`${what} called before fit()`, { plugin });
  const column = (f: Readonly<Record<string, Float64Array>>, name: string) => {
    const c = f[name];
    if (!c) throw new ValidationError(`missing input feature "${name}"`, { plugin, field: name });
    return c;
  };
  const hBarsOf = (horizon: TrainingSet['horizon']) => Math.max(1, Math.round(HORIZON_MS[horizon] / o.barMs));

  return {
    state: () => state,
    fit(train: TrainingSet) {
      const n = train.times.length;
      const hBars = hBarsOf(train.horizon);
      const ret = column(train.features, o.returnFeature);
      const grid = toGrid(train.times, ret, o.barMs);
      const usable: number[] = [];
      for (let i = 0; i < n; i++) if (Number.isFinite(train.target[i]!)) usable.push(i);
      const calStart = Math.floor(usable.length * (1 - o.calibrationFraction));
      const calRows = usable.slice(calStart);
      if (calRows.length < 50 || calStart < 500) {
        throw new ValidationError(`needs at least 500 fit and 50 calibration rows with known targets, got ${calStart} and ${calRows.length}`, { plugin });
      }
      // engine data: returns up to and including the first calibration row's own bar
      const fitEnd = grid.at[calRows[0]!]! + 1;
      let params: P;
      try {
        params = engine.fit(grid.returns.subarray(0, fitEnd), hBars);
      } catch (cause) {
        throw new ValidationError(`fit failed: ${(cause as Error).message}`, { plugin, cause });
      }
      // filter the whole training period with the fitted parameters
      const runner = engine.start(params, hBars, null);
      const sigmaAt = new Float64Array(grid.returns.length).fill(Number.NaN);
      const wanted = new Uint8Array(grid.returns.length);
      for (const i of calRows) wanted[grid.at[i]!] = 1;
      for (let g = 0; g < grid.returns.length; g++) {
        runner.step(grid.returns[g]!);
        if (wanted[g]) sigmaAt[g] = Math.sqrt(runner.horizonVariance());
      }
      const zs: number[] = [];
      let up = 0;
      for (const i of calRows) {
        const s = sigmaAt[grid.at[i]!]!;
        const y = train.target[i]!;
        if (!(s > 0) || !Number.isFinite(s)) continue;
        zs.push(y / s);
        if (y > 0) up++;
      }
      if (zs.length < 50) throw new ValidationError(`only ${zs.length} calibration rows have a usable volatility`, { plugin });
      const sorted = sortedFinite(zs);
      const zq = {} as Record<QuantileKey, number>;
      for (const k of KEYS) zq[k] = quantileSorted(sorted, QUANTILE_LEVELS[k]);
      state = {
        horizon: train.horizon,
        hBars,
        params,
        anchorTime: train.times[n - 1]!,
        anchor: runner.snapshot(),
        zq,
        pUp: smoothedRate(up, zs.length),
        calibrationRows: zs.length,
        fitRows: calStart,
      };
    },
    predict(input: PredictInput) {
      if (!state) throw need('predict()');
      const s = state;
      const ret = column(input.features, o.returnFeature);
      const ctx = input.context;
      const ctxRet = ctx ? column(ctx.features, o.returnFeature) : new Float64Array(0);
      const nCtx = ctx ? ctx.times.length : 0;
      const times = new Float64Array(nCtx + input.times.length);
      const rets = new Float64Array(times.length);
      if (ctx) times.set(ctx.times), rets.set(ctxRet.subarray(0, nCtx));
      times.set(input.times, nCtx);
      rets.set(ret.subarray(0, input.times.length), nCtx);
      const seq = toGrid(times, rets, o.barMs);
      const first = times[0];
      let runner: VolRunner;
      const gap = first === undefined ? -1 : Math.round((first - s.anchorTime) / o.barMs) - 1;
      if (gap >= 0 && gap <= o.maxGapBars) {
        runner = engine.start(s.params, s.hBars, s.anchor);
        for (let g = 0; g < gap; g++) runner.step(Number.NaN);
      } else runner = engine.start(s.params, s.hBars, null);
      const sigma = new Float64Array(seq.returns.length).fill(Number.NaN);
      const wanted = new Uint8Array(seq.returns.length);
      for (let i = 0; i < input.times.length; i++) wanted[seq.at[nCtx + i]!] = 1;
      for (let g = 0; g < seq.returns.length; g++) {
        runner.step(seq.returns[g]!);
        if (wanted[g]) sigma[g] = Math.sqrt(runner.horizonVariance());
      }
      return Array.from(input.times, (_t, i): ReturnForecast => {
        const sg = sigma[seq.at[nCtx + i]!]!;
        const usable = sg > 0 && Number.isFinite(sg);
        const q = {} as Record<QuantileKey, number>;
        // Without a usable volatility the row falls back to a zero-width band at no change: the host flags it.
        for (const k of KEYS) q[k] = usable ? s.zq[k] * sg : 0;
        return { point: q.p50, quantiles: q, pUp: s.pUp, info: { sigma: usable ? sg : null, params: s.params as unknown, calibrationRows: s.calibrationRows } };
      });
    },
    serialize(): SerializedModel {
      if (!state) throw need('serialize()');
      return { format: 'json', bytes: new TextEncoder().encode(JSON.stringify(state)) };
    },
  };
}

/**
 * Rebuild the state `serialize()` wrote; a blob that is not a band state is a `ValidationError`.
 * @example
 * const model = createBandModel('garch', o, engine, loadBandState('garch', blob));
 */
export function loadBandState<P, A>(plugin: string, blob: SerializedModel): BandState<P, A> {
  if (blob.format !== 'json') throw new ValidationError(`cannot load format "${blob.format}" (json only)`, { plugin, field: 'format' });
  try {
    const s = JSON.parse(new TextDecoder().decode(blob.bytes)) as BandState<P, A>;
    if (!s || typeof s !== 'object' || !s.zq || !s.params) throw new Error('not a band model state');
    return s;
  } catch (cause) {
    throw new ValidationError(`cannot load serialized model: ${(cause as Error).message}`, { plugin, cause });
  }
}
