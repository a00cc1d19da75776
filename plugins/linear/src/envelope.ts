/**
 * The Satcast model envelope: an ordinary ONNX model file whose `metadata_props` carry, under the key
 * `satcast.envelope`, a JSON header with everything needed to turn the graph's output into a forecast
 * (volatility scaling, conformal band, Platt pUp). Any ONNX runtime or viewer opens the bytes as they
 * are; Satcast reads the header with `decodeEnvelope` and turns each output with
 * `forecastFromStandardized`, the function the TypeScript models call too, so both paths agree.
 * Shared by every model that exports ONNX (linear; gbdt can adopt it) and by the serving side.
 *
 * The graph maps raw features (float32 [N, inputs.length], columns in `inputs` order, NaN = missing)
 * to the standardised point zHat (float32 [N, 1]). Then, per row, with vol the raw `sigma.volFeature`:
 *   sigma = (vol > 0 ? vol : sigma.fallbackVol) * sqrt(sigma.horizonMs / sigma.barMs)
 *   point = sigma * zHat;  q_k = point + sigma * calibration.residualQuantiles[k]
 *   pUp   = 1 / (1 + exp(-(platt.a * clamp(zHat, platt.zMin, platt.zMax) + platt.b)))
 *
 * Encoding appends one `metadata_props` entry to the serialised ModelProto (protobuf merges repeated
 * fields on concatenation), so the graph bytes are kept exactly; when several entries carry the key,
 * the last one wins.
 */
import { z } from 'zod';
import { HorizonSchema, ValidationError, type QuantileKey, type ReturnForecast } from '@satcast/core';
import { QUANTILE_KEYS, sigmoid } from './calibrate.js';
import { onnx as proto } from './proto.js';

/** `metadata_props` key of the header. */
export const ENVELOPE_KEY = 'satcast.envelope';
export const ENVELOPE_VERSION = 1;

const quantiles = z.strictObject({ p05: z.number(), p25: z.number(), p50: z.number(), p75: z.number(), p95: z.number() });

export const EnvelopeHeaderSchema = z.object({
  /** Header format version (this build writes and reads 1). */
  envelope: z.literal(ENVELOPE_VERSION).default(ENVELOPE_VERSION),
  /** Plugin name that produced it, e.g. `ridge`, `huber`, `gbdt`. */
  model: z.string().min(1),
  horizon: HorizonSchema,
  /** Column order of the ONNX input tensor (feature names). */
  inputs: z.array(z.string().min(1)).min(1),
  onnx: z.object({ input: z.string().min(1), output: z.string().min(1) }),
  sigma: z.object({
    volFeature: z.string().min(1),
    barMs: z.number().positive(),
    horizonMs: z.number().positive(),
    /** Training mean volatility, used when a row's volatility is missing or not positive. */
    fallbackVol: z.number().positive(),
  }),
  calibration: z.object({
    method: z.literal('split-conformal'),
    /** Rows in the calibration fold. */
    rows: z.number().int().nonnegative(),
    /** Empirical quantiles of standardised residuals z - zHat on that fold (non-decreasing). */
    residualQuantiles: quantiles,
    /**
     * pUp = sigmoid(a * clamp(zHat, zMin, zMax) + b): the clamp (the 0.5% and 99.5% quantiles of zHat on the
     * fold) stops the logistic curve extrapolating to certainty on scores the fold never saw.
     */
    platt: z.object({ a: z.number(), b: z.number(), zMin: z.number().optional(), zMax: z.number().optional() }),
  }),
  /** Usable rows fit() read, and the time of the newest one (ms), for model cards. */
  trainRows: z.number().int().nonnegative(),
  trainedUntil: z.number().optional(),
  /** Model-specific state (the linear models keep their float64 parameters here for an exact reload). */
  extra: z.record(z.string(), z.unknown()).default({}),
});
export type EnvelopeHeader = z.input<typeof EnvelopeHeaderSchema>;
export type DecodedHeader = z.output<typeof EnvelopeHeaderSchema>;

export interface Envelope {
  header: DecodedHeader;
  /** The ONNX model bytes (the whole envelope: feed them to any ONNX runtime as they are). */
  onnx: Uint8Array;
}

/** ONNX bytes + header -> one ONNX file carrying the header in its metadata. */
export function encodeEnvelope(env: { header: EnvelopeHeader; onnx: Uint8Array }): Uint8Array {
  const value = JSON.stringify(EnvelopeHeaderSchema.parse(env.header));
  const tail = proto.ModelProto.encode({ metadataProps: [{ key: ENVELOPE_KEY, value }] }).finish();
  const out = new Uint8Array(env.onnx.length + tail.length);
  out.set(env.onnx, 0);
  out.set(tail, env.onnx.length);
  return out;
}

export function decodeEnvelope(bytes: Uint8Array, plugin = 'envelope'): Envelope {
  let model: ReturnType<typeof proto.ModelProto.decode>;
  try {
    model = proto.ModelProto.decode(bytes);
  } catch (err) {
    throw new ValidationError('not an ONNX model (protobuf decoding failed)', { plugin, cause: err });
  }
  const entries = (model.metadataProps ?? []).filter((e) => e.key === ENVELOPE_KEY);
  if (!model.graph || entries.length === 0) {
    throw new ValidationError(`not a Satcast model envelope: ${model.graph ? `no "${ENVELOPE_KEY}" metadata` : 'no ONNX graph'}`, { plugin });
  }
  let json: unknown;
  try {
    json = JSON.parse(entries[entries.length - 1]!.value ?? '');
  } catch (err) {
    throw new ValidationError('envelope header is not JSON', { plugin, cause: err });
  }
  const parsed = EnvelopeHeaderSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    throw new ValidationError(`envelope header: ${first.path.join('.')}: ${first.message}`, { plugin, field: first.path.join('.') });
  }
  return { header: parsed.data, onnx: bytes };
}

/** sqrt(horizon / bar): turns a one-bar volatility into the horizon's. */
export function horizonScale(header: Pick<EnvelopeHeader, 'sigma'>): number {
  return Math.sqrt(header.sigma.horizonMs / header.sigma.barMs);
}

/**
 * The forecast for one row from its standardised point zHat (the graph's output) and raw volatility.
 * Every ONNX-exported Satcast model is served through this one function.
 */
export function forecastFromStandardized(header: Pick<EnvelopeHeader, 'sigma' | 'calibration'>, zHat: number, vol: number): ReturnForecast {
  const usableVol = vol > 0 && Number.isFinite(vol);
  const sigma = (usableVol ? vol : header.sigma.fallbackVol) * horizonScale(header);
  const z = Number.isFinite(zHat) ? zHat : 0;
  const point = sigma * z;
  const rq = header.calibration.residualQuantiles;
  const q = {} as Record<QuantileKey, number>;
  for (const k of QUANTILE_KEYS) q[k] = point + sigma * rq[k];
  const { a, b, zMin, zMax } = header.calibration.platt;
  const zc = Math.min(Math.max(z, zMin ?? -Infinity), zMax ?? Infinity);
  return { point, quantiles: q, pUp: sigmoid(a * zc + b), info: { sigma, zHat: z, ...(usableVol ? {} : { volImputed: true }) } };
}
