/**
 * @module @satcast/plugin-linear
 * Two linear model plugins on volatility-scaled returns: `ridge` (closed form) and `huber` (robust IRLS,
 * the "shock model": a few crash bars do not drag its coefficients). Both standardise their inputs on
 * the training rows, impute missing inputs with the training mean, give a split-conformal band and a
 * Platt-calibrated pUp, support online `partialFit` updates, and serialise as a Satcast model envelope:
 * an ONNX file (raw features -> zHat) whose metadata carries the calibration (`encodeEnvelope` /
 * `decodeEnvelope`, meant to be shared with other ONNX-exporting models and the backend).
 *
 * @example
 * import { ridge } from '@satcast/plugin-linear';
 * const m = await ridge.create(ridge.optionsSchema.parse({}), ctx);
 * m.fit(trainingSet);
 * const forecasts = m.predict(rows);
 * const { bytes } = m.serialize(); // an ONNX file; decodeEnvelope(bytes).header holds the calibration
 */
import { defineModel, type ModelDefinition } from '@satcast/core';
import { createLinearModel, loadLinearModel } from './model.js';
import { huberOptionsSchema, ridgeOptionsSchema, type HuberOptions, type RidgeOptions } from './options.js';

// Ridge refits in milliseconds, so the host may refit it every bar; Huber's IRLS takes ~10-30 ridge solves
// and is refitted by the training job instead (partialFit keeps it current between refits).
const horizons = ['1h', '4h', '24h'] as const;
const inputsOf = (o: RidgeOptions) => [...new Set([...o.inputs, o.volFeature])];

/** Ridge regression (closed form by Cholesky) of the volatility-scaled return on standardised features. */
export const ridge: ModelDefinition<RidgeOptions> = defineModel<RidgeOptions>({
  name: 'ridge',
  apiVersion: 1,
  description: 'ridge regression on volatility-scaled returns; split-conformal band, Platt pUp, ONNX export',
  optionsSchema: ridgeOptionsSchema,
  capabilities: { horizons, formats: ['onnx'], cheapRefit: false },
  inputs: inputsOf,
  create: (o) => createLinearModel('ridge', o),
  load: (blob, o) => loadLinearModel('ridge', blob, o),
});

/** Huber regression (IRLS, MAD scale): the robust "shock model". */
export const huber: ModelDefinition<HuberOptions> = defineModel<HuberOptions>({
  name: 'huber',
  apiVersion: 1,
  description: 'Huber robust regression (IRLS, MAD scale) on volatility-scaled returns; conformal band, Platt pUp, ONNX export',
  optionsSchema: huberOptionsSchema,
  capabilities: { horizons, formats: ['onnx'], cheapRefit: false },
  inputs: inputsOf,
  create: (o) => createLinearModel('huber', o),
  load: (blob, o) => loadLinearModel('huber', blob, o),
});

/** Both plugins, for `createPluginRegistry([...linear])`. */
const plugins = [ridge, huber] as const;
export default plugins;

export { createLinearModel, loadLinearModel, type LinearKind, type LinearModel, type PartialFitReport } from './model.js';
export { DEFAULT_INPUTS, huberOptionsSchema, ridgeOptionsSchema, type HuberOptions, type RidgeOptions } from './options.js';
export {
  decodeEnvelope,
  encodeEnvelope,
  ENVELOPE_KEY,
  ENVELOPE_VERSION,
  EnvelopeHeaderSchema,
  forecastFromStandardized,
  horizonScale,
  type Envelope,
  type DecodedHeader,
  type EnvelopeHeader,
} from './envelope.js';
export { exportLinearOnnx, readLinearOnnx, ONNX_INPUT, ONNX_OUTPUT, type LinearParams } from './onnx.js';
export { fitPlatt, residualQuantiles, sigmoid } from './calibrate.js';
export { fitHuber, fitRidge, madScale, type LinearFit } from './fit.js';
export { choleskySolve, weightedRidge, type Design } from './linalg.js';
export { ONLINE_BATCH, ONLINE_DECAY, ONLINE_MOMENTUM } from './online.js';
