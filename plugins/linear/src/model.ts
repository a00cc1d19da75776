/**
 * One linear model for one horizon (ridge or Huber), shared by both plugins.
 *
 * Target: z = y / sigma_h with sigma_h = vol * sqrt(horizon / bar), so rows from calm and wild markets
 * weigh alike and the model predicts in volatility units. Point = sigma_h * zHat.
 *
 * fit(): the usable rows (known target, positive vol; the newest `maxTrainRows`) are split in time order:
 * the first (1 - calibrationFraction) fit a model, the last calibrationFraction (never shuffled) give
 * out-of-sample residuals for the conformal band and outcomes for Platt's pUp. Then the weights are refit
 * on all usable rows (the newest rows matter most for BTC) and keep that calibration: the band is, if
 * anything, slightly conservative, because the refit has seen more data than the model that made the
 * calibration residuals. Standardisation statistics always come from the rows being fitted only.
 */
import { HORIZON_MS, ValidationError, type Model, type PredictInput, type ReturnForecast, type SerializedModel, type TrainingSet } from '@satcast/core';
import { fitPlatt, residualQuantiles } from './calibrate.js';
import { buildDesign, column, fitStandardizer, standardize, usableRows } from './design.js';
import { decodeEnvelope, encodeEnvelope, forecastFromStandardized, type EnvelopeHeader } from './envelope.js';
import { fitHuber, fitRidge } from './fit.js';
import { linearPredict } from './linalg.js';
import { exportLinearOnnx, ONNX_INPUT, ONNX_OUTPUT, type LinearParams } from './onnx.js';
import { sgdUpdate, type OnlineState } from './online.js';
import type { LinearOptions } from './options.js';

export type LinearKind = 'ridge' | 'huber';

/** What `partialFit` did. `lossBefore`/`lossAfter` are mean losses (the model's own) on the batch. */
export interface PartialFitReport {
  rows: number;
  batches: number;
  lossBefore: number;
  lossAfter: number;
}

/** A fitted linear model: the core `Model` plus online updates and access to its parameters. */
export interface LinearModel extends Model {
  /** Synchronous: everything is in memory. */
  fit(train: TrainingSet): void;
  predict(input: PredictInput): ReturnForecast[];
  /** Mini-batch SGD (batches of 100, momentum 0.9, step x 0.95 per batch) on rows with a known target. */
  partialFit(batch: TrainingSet): PartialFitReport;
  /** Float64 parameters on the standardised scale (undefined before fit). */
  params(): Readonly<LinearParams> | undefined;
  /** The envelope header (calibration, scaling) of the current fit. */
  header(): Readonly<EnvelopeHeader> | undefined;
  /** The ONNX graph alone (raw features -> zHat). */
  toOnnx(): Uint8Array;
}

interface State {
  header: EnvelopeHeader;
  params: LinearParams;
  /** Robust (Huber) or RMS (ridge) residual scale of the final fit, in z units; online Huber uses it. */
  scale: number;
  fitRows: number;
  online: OnlineState;
}

const mean = (xs: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s / xs.length;
};

export function createLinearModel(kind: LinearKind, o: LinearOptions, restored?: State): LinearModel {
  let state = restored;
  const need = (what: string) => new ValidationError(`${what} called before fit()`, { plugin: kind });
  const fitOne = (cols: Float64Array[], rows: Int32Array, z: Float64Array) => {
    const st = fitStandardizer(cols, rows);
    const d = buildDesign(cols, rows, st, o.clip);
    const f = kind === 'ridge' ? fitRidge(d, z, o.alpha) : fitHuber(d, z, o.alpha, o.delta ?? 1.345, o.maxIter ?? 100);
    return { st, d, f };
  };
  /** Standardised targets of `rows` and their sigma_h. */
  const targets = (y: Float64Array, vol: Float64Array, rows: Int32Array, scale: number) =>
    Float64Array.from(rows, (i) => y[i]! / (vol[i]! * scale));
  const zHatOf = (p: LinearParams, i: number, cols: Float64Array[]) => {
    let s = p.intercept;
    for (let j = 0; j < cols.length; j++) s += p.coef[j]! * standardize(cols[j]![i]!, p.mean[j]!, p.std[j]!, p.clip);
    return s;
  };
  const lossOf = (r: number, s: State) => {
    if (kind === 'ridge') return 0.5 * r * r;
    const c = (o.delta ?? 1.345) * s.scale;
    return Math.abs(r) <= c ? 0.5 * r * r : c * (Math.abs(r) - 0.5 * c);
  };

  const model: LinearModel = {
    fit(train: TrainingSet) {
      const cols = o.inputs.map((n) => column(train.features, n, kind));
      const vol = column(train.features, o.volFeature, kind);
      const scale = Math.sqrt(HORIZON_MS[train.horizon] / o.barMs);
      const rows = usableRows(train.target, vol, o.maxTrainRows);
      const nCal = Math.floor(rows.length * o.calibrationFraction);
      const nFit = rows.length - nCal;
      if (nCal < 50 || nFit < Math.max(100, 10 * cols.length)) {
        throw new ValidationError(
          `needs more usable training rows (known target, positive ${o.volFeature}): got ${rows.length}, ` +
            `calibration fold ${nCal} (min 50), fit part ${nFit} (min ${Math.max(100, 10 * cols.length)})`,
          { plugin: kind },
        );
      }
      // 1. Calibrate on the newest fold with a model that has not seen it.
      const fitRows = rows.subarray(0, nFit);
      const calRows = rows.subarray(nFit);
      const first = fitOne(cols, fitRows, targets(train.target, vol, fitRows, scale));
      const calDesign = buildDesign(cols, calRows, first.st, o.clip);
      const zCal = targets(train.target, vol, calRows, scale);
      const zHatCal = linearPredict(calDesign, first.f.coef, first.f.intercept);
      const residualQ = residualQuantiles(zCal, zHatCal);
      const platt = fitPlatt(zHatCal, Float64Array.from(calRows, (i) => (train.target[i]! > 0 ? 1 : 0)));
      // 2. Refit on every usable row; keep the calibration from step 1.
      const all = fitOne(cols, rows, targets(train.target, vol, rows, scale));
      const params: LinearParams = { inputs: [...o.inputs], mean: all.st.mean, std: all.st.std, clip: o.clip, intercept: all.f.intercept, coef: all.f.coef };
      const header: EnvelopeHeader = {
        model: kind,
        horizon: train.horizon,
        inputs: [...o.inputs],
        onnx: { input: ONNX_INPUT, output: ONNX_OUTPUT },
        sigma: { volFeature: o.volFeature, barMs: o.barMs, horizonMs: HORIZON_MS[train.horizon], fallbackVol: mean(Float64Array.from(rows, (i) => vol[i]!)) },
        calibration: { method: 'split-conformal', rows: nCal, residualQuantiles: residualQ, platt },
        trainRows: rows.length,
        trainedUntil: train.times[rows[rows.length - 1]!],
        extra: {},
      };
      state = { header, params, scale: all.f.scale, fitRows: rows.length, online: { lr: o.learningRate, velocity: [], batches: 0 } };
    },

    predict(input: PredictInput): ReturnForecast[] {
      if (!state) throw need('predict()');
      const s = state;
      const cols = s.params.inputs.map((n) => column(input.features, n, kind));
      const vol = column(input.features, s.header.sigma.volFeature, kind);
      return Array.from(input.times, (_t, i) => {
        const f = forecastFromStandardized(s.header, zHatOf(s.params, i, cols), vol[i]!);
        f.info = { ...f.info, model: kind, calibrationRows: s.header.calibration.rows };
        return f;
      });
    },

    partialFit(batch: TrainingSet): PartialFitReport {
      if (!state) throw need('partialFit()');
      const s = state;
      const cols = s.params.inputs.map((n) => column(batch.features, n, kind));
      const vol = column(batch.features, s.header.sigma.volFeature, kind);
      const scale = Math.sqrt(HORIZON_MS[batch.horizon] / s.header.sigma.barMs);
      const rows = usableRows(batch.target, vol, Number.MAX_SAFE_INTEGER);
      const z = targets(batch.target, vol, rows, scale);
      const d = buildDesign(cols, rows, s.params, s.params.clip);
      const meanLoss = () => {
        const zh = linearPredict(d, s.params.coef, s.params.intercept);
        let l = 0;
        for (let k = 0; k < d.n; k++) l += lossOf(z[k]! - zh[k]!, s);
        return d.n ? l / d.n : Number.NaN;
      };
      const lossBefore = meanLoss();
      const w = Float64Array.from([s.params.intercept, ...s.params.coef]);
      const loss = kind === 'ridge' ? { kind: 'squared' as const, l2: o.alpha / s.fitRows } : { kind: 'huber' as const, delta: o.delta ?? 1.345, scale: s.scale, l2: o.alpha / s.fitRows };
      const before = s.online.batches;
      s.online = sgdUpdate(w, d, z, loss, s.online);
      s.params = { ...s.params, intercept: w[0]!, coef: Array.from(w.subarray(1)) };
      return { rows: d.n, batches: s.online.batches - before, lossBefore, lossAfter: meanLoss() };
    },

    params: () => state?.params,
    header: () => state?.header,

    toOnnx(): Uint8Array {
      if (!state) throw need('toOnnx()');
      return exportLinearOnnx(state.params, { model: kind, horizon: state.header.horizon });
    },

    serialize(): SerializedModel {
      if (!state) throw need('serialize()');
      const s = state;
      const header: EnvelopeHeader = { ...s.header, extra: { params: s.params, scale: s.scale, fitRows: s.fitRows, online: s.online } };
      return { format: 'onnx', bytes: encodeEnvelope({ header, onnx: model.toOnnx() }) };
    },
  };
  return model;
}

/** Rebuild from `serialize()` output. The float64 parameters in the header make the reload exact. */
export function loadLinearModel(kind: LinearKind, blob: SerializedModel, o: LinearOptions): LinearModel {
  if (blob.format !== 'onnx') throw new ValidationError(`cannot load format "${blob.format}" (expected "onnx")`, { plugin: kind, field: 'format' });
  const { header } = decodeEnvelope(blob.bytes, kind);
  if (header.model !== kind) throw new ValidationError(`envelope holds a "${header.model}" model, not "${kind}"`, { plugin: kind, field: 'model' });
  const x = header.extra as { params?: LinearParams; scale?: number; fitRows?: number; online?: OnlineState };
  if (!x.params || !Array.isArray(x.params.coef) || x.params.coef.length !== header.inputs.length) {
    throw new ValidationError('envelope has no linear parameters (extra.params)', { plugin: kind, field: 'extra.params' });
  }
  const state: State = {
    header: { ...header, extra: {} },
    params: x.params,
    scale: x.scale ?? 1,
    fitRows: x.fitRows ?? header.trainRows,
    online: x.online ?? { lr: o.learningRate, velocity: [], batches: 0 },
  };
  // Inputs are those the model was trained on, whatever the options say now.
  return createLinearModel(kind, { ...o, inputs: header.inputs, volFeature: header.sigma.volFeature, barMs: header.sigma.barMs }, state);
}


