/**
 * The forecaster both plugins share (the gbdt recipe with a sequence network in place of the trees).
 * The network learns z = r / sigma_h, the horizon log return standardised by sigma_h = vol * sqrt(h / bar),
 * from the window of the last L bars. Time-ordered folds of the usable rows (finite target, vol > 0):
 *
 *   [ fit | gap | early-stopping validation ] | gap | calibration
 *
 * Each gap is one horizon long (rows whose target window reaches into the next fold are dropped), so no
 * target of an earlier fold overlaps a later one. The standardiser sees only rows up to the last fit row;
 * the calibration fold only sets the split-conformal residual quantiles and the Platt pUp.
 */
import {
  applyPlatt,
  fitPlatt,
  HORIZON_MS,
  QUANTILE_LEVELS,
  quantileSorted,
  seededRandom,
  sortedFinite,
  ValidationError,
  type Horizon,
  type Model,
  type PlattScaling,
  type PredictInput,
  type QuantileKey,
  type ReturnForecast,
  type SerializedModel,
  type TrainingSet,
} from '@satcast/core';
import { createNet, predictWindows, weightCount, type Arch, type Net } from './nets.js';
import { exportOnnx, readOnnx } from './onnx.js';
import type { NeuralOptions } from './options.js';
import { sigmoid } from './tape.js';
import { train, zHatRows, type TrainReport } from './train.js';
import { fitStandardiser, Sequence, standardise, type Standardiser } from './windows.js';

export type NeuralKind = 'lstm' | 'transformer';
const QUANTILE_KEYS = Object.keys(QUANTILE_LEVELS) as QuantileKey[];

/** Everything but the weights: the JSON header stored in ONNX metadata (`satcast.neural`) and JSON blobs. */
export interface NeuralHeader {
  format: 'satcast.neural';
  version: 1;
  model: NeuralKind;
  horizon: Horizon;
  arch: Arch;
  sequenceLength: number;
  inputs: string[];
  volFeature: string;
  barMs: number;
  /** sqrt(horizon / bar). */
  scale: number;
  standardiser: Standardiser;
  calibration: { method: 'split-conformal'; rows: number; residualQuantiles: Record<QuantileKey, number>; platt: PlattScaling };
  /** Training mean volatility: used when a row's volatility is missing or not positive. */
  fallbackVol: number;
  trainRows: number;
  trainedUntil: number;
  /** The parsed options the model was fitted with (for model cards and refits; `load` does not need them). */
  options: Record<string, unknown>;
  info: { epochs: number; bestEpoch: number; validLoss: number; fitRows: number; validRows: number; weights: number; fitMs: number };
}

/** The metadata key of the header in the ONNX file. */
export const METADATA_KEY = 'satcast.neural';

interface State {
  header: NeuralHeader;
  net: Net;
}

/** A fitted (or loaded) neural model; `zHat` exposes the network output for parity checks. */
export interface NeuralModel extends Model {
  /** Trains on the calling thread (seconds of CPU; see README), yielding to the event loop every ~100 ms. */
  fit(train: TrainingSet): Promise<void>;
  predict(input: PredictInput): ReturnForecast[];
  /** Standardised point forecasts (the ONNX graph's output) for the input rows. */
  zHat(input: PredictInput): Float64Array;
  /** The header of the fitted model (calibration, standardiser, training report). */
  header(): NeuralHeader;
}

function column(plugin: string, f: Readonly<Record<string, Float64Array>>, name: string, n: number): Float64Array {
  const c = f[name];
  if (!c) throw new ValidationError(`missing input feature "${name}"`, { plugin, field: name });
  if (c.length < n) throw new ValidationError(`feature "${name}" has ${c.length} values for ${n} rows`, { plugin, field: name });
  return c;
}

function archOf(kind: NeuralKind, o: NeuralOptions & Record<string, unknown>): Arch {
  if (kind === 'lstm') return { kind, hidden: o.hidden as number };
  return { kind, dModel: o.dModel as number, heads: o.heads as number, ffn: o.ffn as number, pooling: o.pooling as 'mean' | 'last', positional: o.positional as 'learned' | 'sinusoidal' };
}

const PREDICT_CHUNK = 4096;

/** zHat for all rows of `input` (windows read `input.context` first). */
function zHatOf(plugin: string, s: State, input: PredictInput): Float64Array {
  const h = s.header, n = input.times.length;
  for (const name of h.inputs) column(plugin, input.features, name, n);
  const seq = new Sequence(input, h.inputs, h.barMs, input.context, h.sequenceLength - 1);
  const out = new Float64Array(n);
  // In chunks, so a long input never materialises all its windows at once.
  for (let s0 = 0; s0 < n; s0 += PREDICT_CHUNK) {
    const rows = Int32Array.from({ length: Math.min(PREDICT_CHUNK, n - s0) }, (_, i) => s0 + i);
    out.set(predictWindows(s.net, standardise(seq.windows(rows, h.sequenceLength), h.standardiser), rows.length), s0);
  }
  return out;
}

/**
 * The forecast of one row from the network's standardised point `z` and the row's volatility: exactly
 * what `predict` returns, so a host running the ONNX graph elsewhere (onnxruntime-node) gets the same.
 * @example
 * const f = neuralForecast(header, zHatFromOnnx, vol);
 */
export function neuralForecast(h: NeuralHeader, z: number, vol: number): ReturnForecast {
  const usable = vol > 0 && Number.isFinite(vol);
  const sigma = (usable ? vol : h.fallbackVol) * h.scale;
  const zz = Number.isFinite(z) ? z : 0;
  const q = {} as Record<QuantileKey, number>;
  for (const k of QUANTILE_KEYS) q[k] = sigma * (zz + h.calibration.residualQuantiles[k]);
  return {
    point: sigma * zz,
    quantiles: q,
    pUp: applyPlatt(h.calibration.platt, sigmoid(zz)),
    info: { sigma, z: zz, epochs: h.info.epochs, validLoss: h.info.validLoss, ...(usable ? {} : { volImputed: true }) },
  };
}

function wrap(plugin: string, kind: NeuralKind, o: NeuralOptions & Record<string, unknown>, state?: State): NeuralModel {
  const need = (what: string) => new ValidationError(`${what} called before fit()`, { plugin });
  return {
    async fit(data: TrainingSet) {
      const t0 = Date.now();
      const n = data.times.length;
      if (data.target.length !== n) throw new ValidationError(`target has ${data.target.length} values for ${n} rows`, { plugin, field: 'target' });
      const H = HORIZON_MS[data.horizon];
      if (!H) throw new ValidationError(`unknown horizon "${data.horizon}"`, { plugin, field: 'horizon' });
      const scale = Math.sqrt(H / o.barMs);
      const vol = column(plugin, data.features, o.volFeature, n);
      for (const name of o.inputs) column(plugin, data.features, name, n);
      const zRaw = new Float64Array(n).fill(Number.NaN);
      const usable: number[] = [];
      for (let i = 0; i < n; i++) {
        const s = vol[i]! * scale, y = data.target[i]!;
        if (Number.isFinite(y) && s > 0 && Number.isFinite(s)) (zRaw[i] = y / s), usable.push(i);
      }
      const rows = Int32Array.from(usable.slice(-o.maxTrainRows));
      if (rows.length < 300) throw new ValidationError(`needs at least 300 usable training rows (finite target, positive ${o.volFeature}), got ${rows.length}`, { plugin });
      const t = (k: number) => data.times[rows[k]!]!;
      // [ net rows | gap | calibration ]: a net row's target window [t, t + H] ends by the first calibration row.
      const calStart = Math.floor(rows.length * (1 - o.calibrationFraction));
      let netEnd = calStart;
      while (netEnd > 0 && t(netEnd - 1) + H > t(calStart)) netEnd--;
      // [ fit | gap | validation ] inside the net rows, the same way.
      const validStart = Math.floor(netEnd * (1 - o.validationFraction));
      let fitEnd = validStart;
      while (fitEnd > 0 && t(fitEnd - 1) + H > t(validStart)) fitEnd--;
      const fitRows = rows.slice(0, fitEnd), validRows = rows.slice(validStart, netEnd), calRows = rows.slice(calStart);
      if (fitRows.length < 100 || validRows.length < 20 || calRows.length < 50) {
        throw new ValidationError(`too few rows to fit (${fitRows.length}), validate (${validRows.length}) or calibrate (${calRows.length})`, { plugin });
      }
      const seq = new Sequence(data, o.inputs, o.barMs);
      // The rows the fit windows read: from L - 1 bars before the first fit row to the last fit row.
      const standardiser = fitStandardiser(seq.cols, fitRows[0]! - (o.sequenceLength - 1), fitRows[fitRows.length - 1]! + 1, o.clip);
      const zClip = zRaw.map((v) => Math.max(-o.targetClip, Math.min(o.targetClip, v)));
      const arch = archOf(kind, o);
      const net = createNet(arch, o.sequenceLength, o.inputs.length, seededRandom(o.seed));
      const report: TrainReport = await train(net, seq, standardiser, zClip, fitRows, validRows, o);
      // Serve float32 weights so the ONNX initializers hold exactly the served model.
      for (const w of net.weights.values()) for (let i = 0; i < w.v.length; i++) w.v[i] = Math.fround(w.v[i]!);
      const zCal = zHatRows(net, seq, standardiser, calRows);
      const resid = sortedFinite(Array.from(calRows, (r, k) => zRaw[r]! - zCal[k]!));
      const residualQuantiles = {} as Record<QuantileKey, number>;
      for (const k of QUANTILE_KEYS) residualQuantiles[k] = quantileSorted(resid, QUANTILE_LEVELS[k]);
      // Platt on the score zHat, through core's fitPlatt (whose score is logit(p)): p = sigmoid(zHat).
      // ridge 1 pulls the slope to 0 (pUp 0.5) when the fold shows no signal.
      const platt = fitPlatt(Array.from(zCal, sigmoid), Array.from(calRows, (r) => (data.target[r]! > 0 ? 1 : 0)), 1);
      let volSum = 0;
      for (const r of rows) volSum += vol[r]!;
      state = {
        net,
        header: {
          format: 'satcast.neural', version: 1, model: kind, horizon: data.horizon, arch, sequenceLength: o.sequenceLength,
          inputs: [...o.inputs], volFeature: o.volFeature, barMs: o.barMs, scale, standardiser,
          calibration: { method: 'split-conformal', rows: calRows.length, residualQuantiles, platt },
          fallbackVol: volSum / rows.length, trainRows: rows.length, trainedUntil: data.times[rows[rows.length - 1]!]!,
          options: { ...o },
          info: {
            epochs: report.epochs, bestEpoch: report.bestEpoch, validLoss: report.validLoss[report.bestEpoch]!,
            fitRows: fitRows.length, validRows: validRows.length, weights: weightCount(net), fitMs: Date.now() - t0,
          },
        },
      };
    },
    zHat(input) {
      if (!state) throw need('predict()');
      return zHatOf(plugin, state, input);
    },
    predict(input) {
      if (!state) throw need('predict()');
      const h = state.header, n = input.times.length;
      const vol = column(plugin, input.features, h.volFeature, n);
      const z = zHatOf(plugin, state, input);
      return Array.from({ length: n }, (_, i) => neuralForecast(h, z[i]!, vol[i]!));
    },
    header() {
      if (!state) throw need('header()');
      return state.header;
    },
    serialize(): SerializedModel {
      if (!state) throw need('serialize()');
      if (o.format === 'onnx') return { format: 'onnx', bytes: exportOnnx(state.header, state.net, METADATA_KEY) };
      const weights = Object.fromEntries([...state.net.weights].map(([k, t]) => [k, Array.from(t.v)]));
      return { format: 'json', bytes: new TextEncoder().encode(JSON.stringify({ ...state.header, weights })) };
    },
  };
}

/** A new, unfitted model of `kind` with parsed options. */
export function createNeuralModel(kind: NeuralKind, o: NeuralOptions & Record<string, unknown>): NeuralModel {
  return wrap(kind, kind, o);
}

/** Rebuild a model from `serialize()` output alone (architecture, standardiser and calibration come from the blob). */
export function loadNeuralModel(kind: NeuralKind, blob: SerializedModel, o: NeuralOptions & Record<string, unknown>): NeuralModel {
  let header: NeuralHeader;
  let weights: Map<string, ArrayLike<number>>;
  try {
    if (blob.format === 'onnx') {
      ({ header, weights } = readOnnx<NeuralHeader>(blob.bytes, METADATA_KEY));
    } else {
      const j = JSON.parse(new TextDecoder().decode(blob.bytes)) as NeuralHeader & { weights: Record<string, number[]> };
      const { weights: w, ...rest } = j;
      header = rest;
      weights = new Map(Object.entries(w));
    }
    if (header.format !== 'satcast.neural' || header.version !== 1) throw new Error('not a satcast.neural v1 model');
    if (header.model !== kind) throw new Error(`blob holds a ${header.model} model, not ${kind}`);
  } catch (cause) {
    throw new ValidationError(`cannot load serialized model: ${(cause as Error).message}`, { plugin: kind, cause });
  }
  const net = createNet(header.arch, header.sequenceLength, header.inputs.length, () => 0, weights);
  return wrap(kind, kind, o, { header, net });
}
