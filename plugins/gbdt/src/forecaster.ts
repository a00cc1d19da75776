/**
 * The return forecaster both plugins share. The trees learn z = r / sigma_h, the horizon log return
 * standardised by the volatility forecast sigma_h = vol * sqrt(h / bar), so one model serves calm and
 * wild regimes. Time-ordered folds of the usable rows (never shuffled):
 *
 *   [ trees (gbdt: fit | gap | early-stopping validation) | gap | calibration ]
 *
 * Each gap is one horizon long, so no target window of an earlier fold reaches into a later one. The
 * calibration fold only sets the split-conformal residual quantiles and the Platt pUp.
 */
import { HORIZON_MS, ValidationError, type Model, type ReturnForecast, type SerializedModel, type TrainingSet } from '@satcast/core';
import { conformalQuantiles, plattFit, QUANTILE_KEYS, type Calibration } from './calibration.js';
import { ensembleFromJson, ensembleToJson, featureImportance, predictRaw, toMatrix, type TreeEnsemble, type TreeEnsembleJson } from './ensemble.js';
import { sigmoid } from './objectives.js';
import { fromOnnx, toOnnx } from './onnx.js';

export interface ForecasterOptions {
  inputs: string[];
  volFeature: string;
  barMs: number;
  maxTrainRows: number;
  calibrationFraction: number;
  targetClip: number;
  format: 'onnx' | 'json';
}

/** Learns trees on z for rows (indices into x) given a purge gap in rows. */
export type Learner = (input: { x: Float64Array; nRows: number; nFeatures: number; y: Float64Array; rows: Int32Array; featureNames: string[] }, gapRows: number) => { ensemble: TreeEnsemble; info: Record<string, unknown> };

export interface FittedState {
  ensemble: TreeEnsemble;
  calibration: Calibration;
  /** sqrt(horizon / bar) for the fitted horizon. */
  scale: number;
  info: Record<string, unknown>;
}

const SIDECAR = 'satcast.forecaster';

function column(plugin: string, f: Readonly<Record<string, Float64Array>>, name: string): Float64Array {
  const c = f[name];
  if (!c) throw new ValidationError(`missing input feature "${name}"`, { plugin, field: name });
  return c;
}

export function createForecaster(plugin: string, o: ForecasterOptions, learn: Learner, state?: FittedState): Model {
  const need = (what: string) => new ValidationError(`${what} called before fit()`, { plugin });
  const matrix = (features: Readonly<Record<string, Float64Array>>, n: number) => {
    for (const name of o.inputs) column(plugin, features, name);
    return toMatrix(features, o.inputs, n);
  };
  return {
    fit(train: TrainingSet) {
      const n = train.times.length;
      const scale = Math.sqrt(HORIZON_MS[train.horizon] / o.barMs);
      const vol = column(plugin, train.features, o.volFeature);
      const x = matrix(train.features, n);
      const zRaw = new Float64Array(n).fill(Number.NaN);
      const usable: number[] = [];
      for (let i = 0; i < n; i++) {
        const s = vol[i]! * scale;
        const y = train.target[i]!;
        if (Number.isFinite(y) && s > 0 && Number.isFinite(s)) (zRaw[i] = y / s), usable.push(i);
      }
      const rows = Int32Array.from(usable.slice(-o.maxTrainRows));
      if (rows.length < 200) throw new ValidationError(`needs at least 200 usable training rows, got ${rows.length}`, { plugin });
      const H = HORIZON_MS[train.horizon];
      const calStart = Math.floor(rows.length * (1 - o.calibrationFraction));
      const tCal = train.times[rows[calStart]!]!;
      // purge: a tree row's target window [t, t + H] must end before the first calibration row is issued
      let treeEnd = calStart;
      while (treeEnd > 0 && train.times[rows[treeEnd - 1]!]! + H > tCal) treeEnd--;
      const treeRows = rows.subarray(0, treeEnd);
      const calRows = rows.subarray(calStart);
      if (treeRows.length < 100 || calRows.length < 50) throw new ValidationError(`too few rows for trees (${treeRows.length}) or calibration (${calRows.length})`, { plugin });
      const zClip = zRaw.map((v) => Math.max(-o.targetClip, Math.min(o.targetClip, v)));
      const gapRows = Math.max(0, Math.round(H / o.barMs));
      const { ensemble, info } = learn({ x, nRows: n, nFeatures: o.inputs.length, y: zClip, rows: treeRows, featureNames: o.inputs }, gapRows);
      const f = predictRaw(ensemble, x, n);
      const resid = Float64Array.from(calRows, (r) => zRaw[r]! - f[r]!);
      const fCal = Float64Array.from(calRows, (r) => f[r]!);
      const up = Uint8Array.from(calRows, (r) => (train.target[r]! > 0 ? 1 : 0));
      const calibration: Calibration = { residualQuantiles: conformalQuantiles(resid), platt: plattFit(fCal, up), rows: calRows.length };
      const imp = featureImportance(ensemble);
      const top = o.inputs.map((name, k) => [name, imp[k]!] as const).sort((a, b) => b[1] - a[1]).slice(0, 5);
      state = { ensemble, calibration, scale, info: { ...info, treeRows: treeRows.length, calibrationRows: calRows.length, topFeatures: Object.fromEntries(top.map(([k, v]) => [k, Math.round(v * 1e4) / 1e4])) } };
    },
    predict(input) {
      if (!state) throw need('predict()');
      const s = state;
      const n = input.times.length;
      const vol = column(plugin, input.features, o.volFeature);
      const f = predictRaw(s.ensemble, matrix(input.features, n), n);
      const { a, b } = s.calibration.platt;
      return Array.from({ length: n }, (_, i): ReturnForecast => {
        const sigma = vol[i]! * s.scale;
        const usable = sigma > 0 && Number.isFinite(sigma);
        const q = {} as ReturnForecast['quantiles'];
        // Without a usable volatility the row falls back to a zero-width band at no change: the host flags it.
        for (const k of QUANTILE_KEYS) q[k] = usable ? sigma * (f[i]! + s.calibration.residualQuantiles[k]) : 0;
        return {
          point: usable ? sigma * f[i]! : 0,
          quantiles: q,
          pUp: usable ? sigmoid(a * f[i]! + b) : 0.5,
          info: { sigma: usable ? sigma : null, z: f[i]!, trees: s.ensemble.trees.length, calibrationRows: s.calibration.rows },
        };
      });
    },
    serialize(): SerializedModel {
      if (!state) throw need('serialize()');
      const side = { calibration: state.calibration, scale: state.scale, info: state.info };
      if (o.format === 'onnx') return { format: 'onnx', bytes: toOnnx(state.ensemble, { metadata: { [SIDECAR]: JSON.stringify(side) } }) };
      return { format: 'json', bytes: new TextEncoder().encode(JSON.stringify({ ...side, ensemble: ensembleToJson(state.ensemble) })) };
    },
  };
}

/** Rebuild the fitted state from `serialize()` output (either format). */
export function loadState(plugin: string, blob: SerializedModel): FittedState {
  try {
    if (blob.format === 'onnx') {
      const { ensemble, metadata } = fromOnnx(blob.bytes);
      const side = JSON.parse(metadata[SIDECAR] ?? 'null') as Omit<FittedState, 'ensemble'> | null;
      if (!side) throw new Error(`ONNX model has no "${SIDECAR}" metadata`);
      return { ...side, ensemble };
    }
    const j = JSON.parse(new TextDecoder().decode(blob.bytes)) as Omit<FittedState, 'ensemble'> & { ensemble: TreeEnsembleJson };
    return { ...j, ensemble: ensembleFromJson(j.ensemble) };
  } catch (cause) {
    throw new ValidationError(`cannot load serialized model: ${(cause as Error).message}`, { plugin, cause });
  }
}
