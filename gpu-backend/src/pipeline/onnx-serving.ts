/**
 * Serving trained ONNX artifacts through onnxruntime-node: the graph maps raw features to the
 * volatility-standardised point zHat; the calibration carried in the model's metadata turns it into the
 * forecast exactly as the TypeScript model does (sigma = vol * sqrt(h / bar); band = sigma * (zHat + the
 * conformal residual quantiles); pUp = Platt of zHat). Two metadata layouts exist: `satcast.envelope`
 * (the linear models) and `satcast.forecaster` (the tree models); both carry the same calibration.
 * Sequence models (`satcast.neural`: LSTM, Transformer) take [rows, sequenceLength, features] windows of raw
 * features built from the rows and their `context`; their header carries standardiser and calibration.
 * Parity with the TypeScript models is tested to 1e-5 (float32 inside the graph).
 */
import { HORIZON_MS, QUANTILE_LEVELS, type Horizon, type Logger, type Model, type QuantileKey, type ReturnForecast, type SerializedModel } from '@satcast/core';
import { createOnnxSession, type ExecutionProvider, type OnnxSession } from '@satcast/adapter-onnx-runtime';
import { decodeEnvelope, forecastFromStandardized } from '@satcast/plugin-linear';
import { fromOnnx } from '@satcast/plugin-gbdt';
import { METADATA_KEY as NEURAL_KEY, neuralForecast, ONNX_INPUT, onnxWindows, readOnnx, type NeuralHeader } from '@satcast/plugin-neural';

const KEYS = Object.keys(QUANTILE_LEVELS) as QuantileKey[];
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

interface Reader {
  inputs: readonly string[];
  toForecast(zHat: number, vol: number): ReturnForecast;
}

/** How an artifact's metadata turns zHat into a forecast; undefined when it carries no Satcast calibration. */
function readerFor(blob: SerializedModel, o: { inputs: readonly string[]; volFeature: string; barMs: number; horizon: Horizon }): Reader | undefined {
  try {
    const { header } = decodeEnvelope(blob.bytes);
    return { inputs: header.inputs, toForecast: (z, vol) => forecastFromStandardized(header, z, vol) };
  } catch {
    // not a linear envelope; try the tree layout
  }
  try {
    const { metadata } = fromOnnx(blob.bytes);
    const side = JSON.parse(metadata['satcast.forecaster'] ?? 'null') as {
      calibration: { residualQuantiles: Record<QuantileKey, number>; platt: { a: number; b: number }; rows: number };
      scale: number;
    } | null;
    if (!side) return undefined;
    const scale = side.scale ?? Math.sqrt(HORIZON_MS[o.horizon] / o.barMs);
    return {
      inputs: o.inputs,
      toForecast(z, vol) {
        const sigma = vol * scale;
        const usable = sigma > 0 && Number.isFinite(sigma);
        const q = {} as Record<QuantileKey, number>;
        for (const k of KEYS) q[k] = usable ? sigma * (z + side.calibration.residualQuantiles[k]) : 0;
        return { point: usable ? sigma * z : 0, quantiles: q, pUp: usable ? sigmoid(side.calibration.platt.a * z + side.calibration.platt.b) : 0.5, info: { sigma: usable ? sigma : null, z, calibrationRows: side.calibration.rows } };
      },
    };
  } catch {
    return undefined;
  }
}

export interface OnnxServingOptions {
  inputs: readonly string[];
  volFeature: string;
  barMs: number;
  horizon: Horizon;
  executionProviders?: readonly ExecutionProvider[];
  log?: Pick<Logger, 'warn'>;
}

/**
 * A Model that predicts through onnxruntime-node, or undefined when the artifact is not an ONNX model
 * with Satcast calibration metadata (the caller then loads it through its plugin). fit() is refused: a
 * served artifact is retrained by `satcast train` / the registry, never in place.
 */
/** The header of a Satcast sequence model artifact, or undefined. */
function neuralHeader(blob: SerializedModel): NeuralHeader | undefined {
  try {
    return readOnnx<NeuralHeader>(blob.bytes, NEURAL_KEY).header;
  } catch {
    return undefined;
  }
}

export async function onnxServedModel(blob: SerializedModel, o: OnnxServingOptions): Promise<(Model & { session: OnnxSession }) | undefined> {
  if (blob.format !== 'onnx') return undefined;
  const header = neuralHeader(blob);
  if (header) {
    const session = await createOnnxSession(blob.bytes, { executionProviders: o.executionProviders, log: o.log });
    const L = header.sequenceLength;
    const F = header.inputs.length;
    return {
      session,
      fit() {
        throw new Error('an ONNX-served artifact is not refitted in place; train a new version');
      },
      async predict(input) {
        const n = input.times.length;
        const out = await session.run({ [ONNX_INPUT]: { data: onnxWindows(input, header.inputs, L, header.barMs), dims: [n, L, F] } });
        const z = Object.values(out)[0]!.data;
        const vol = input.features[header.volFeature];
        return Array.from(input.times, (_t, i) => {
          const f = neuralForecast(header, z[i]!, vol ? vol[i]! : Number.NaN);
          return { ...f, info: { ...(f.info ?? {}), runtime: 'onnxruntime-node' } };
        });
      },
      serialize: () => blob,
    };
  }
  const reader = readerFor(blob, o);
  if (!reader) return undefined;
  const session = await createOnnxSession(blob.bytes, { executionProviders: o.executionProviders, log: o.log });
  return {
    session,
    fit() {
      throw new Error('an ONNX-served artifact is not refitted in place; train a new version');
    },
    async predict(input) {
      const z = await session.runRows(input.features, reader.inputs);
      const vol = input.features[o.volFeature];
      return Array.from(input.times, (_t, i) => {
        const f = reader.toForecast(z[i]!, vol ? vol[i]! : Number.NaN);
        return { ...f, info: { ...(f.info ?? {}), runtime: 'onnxruntime-node' } };
      });
    },
    serialize: () => blob,
  };
}
