/**
 * @module @satcast/plugin-neural
 * Two sequence model plugins on volatility-scaled returns: `lstm` (one LSTM layer) and `transformer`
 * (one post-LN encoder layer). Each reads the last `sequenceLength` bars of its inputs (the host passes
 * the earlier bars as `PredictInput.context`; missing history is imputed with the training mean), is
 * trained in TypeScript by a small autodiff with minibatch Adam and early stopping, gives a
 * split-conformal band and a Platt pUp, and exports an ONNX graph (raw feature windows -> zHat) that
 * carries its calibration in metadata and reloads from those bytes alone.
 *
 * `capabilities.sequenceLength` is static and states the default (24); a model built with another
 * `sequenceLength` option reads that many bars (hosts should pass `options.sequenceLength - 1` context
 * rows; with fewer, the model imputes).
 *
 * @example
 * import { lstm } from '@satcast/plugin-neural';
 * const m = await lstm.create(lstm.optionsSchema.parse({}), ctx);
 * await m.fit(trainingSet);
 * const forecasts = m.predict({ horizon: '1h', times, features, context });
 * const { bytes } = m.serialize(); // ONNX: input x [N, 24, F] raw features, output zHat [N, 1]
 */
import { defineModel, ValidationError, type ModelDefinition } from '@satcast/core';
import type { z } from 'zod';
import { createNeuralModel, loadNeuralModel, type NeuralKind } from './model.js';
import { DEFAULT_SEQUENCE_LENGTH, lstmOptionsSchema, transformerOptionsSchema, type LstmOptions, type TransformerOptions } from './options.js';

const horizons = ['1h', '4h', '24h'] as const;
const capabilities = { horizons, formats: ['onnx', 'json'] as const, cheapRefit: false, sequenceLength: DEFAULT_SEQUENCE_LENGTH };
const inputsOf = (o: { inputs: string[]; volFeature: string }) => [...new Set([...o.inputs, o.volFeature])];

/**
 * Re-check options handed to create/load (they are normally parsed by the host already): a bad value
 * is a ValidationError naming the field, not a crash deep in training.
 */
function checked<O>(plugin: NeuralKind, schema: z.ZodType<O>, o: O): O {
  const r = schema.safeParse(o);
  if (r.success) return r.data;
  const first = r.error.issues[0]!;
  const field = first.path.join('.');
  throw new ValidationError(`invalid option "${field}": ${first.message}`, {
    plugin,
    field,
    issues: r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
  });
}

/** One-layer LSTM over the last `sequenceLength` bars -> standardised return; conformal band, Platt pUp, ONNX. */
export const lstm: ModelDefinition<LstmOptions> = defineModel<LstmOptions>({
  name: 'lstm',
  apiVersion: 1,
  description: 'one-layer LSTM over the last bars on volatility-scaled returns; split-conformal band, Platt pUp, ONNX export',
  optionsSchema: lstmOptionsSchema,
  capabilities,
  inputs: inputsOf,
  create: (o) => createNeuralModel('lstm', checked('lstm', lstmOptionsSchema, o)),
  load: (blob, o) => loadNeuralModel('lstm', blob, checked('lstm', lstmOptionsSchema, o)),
});

/** One-layer Transformer encoder over the last `sequenceLength` bars; conformal band, Platt pUp, ONNX. */
export const transformer: ModelDefinition<TransformerOptions> = defineModel<TransformerOptions>({
  name: 'transformer',
  apiVersion: 1,
  description: 'one-layer Transformer encoder over the last bars on volatility-scaled returns; split-conformal band, Platt pUp, ONNX export',
  optionsSchema: transformerOptionsSchema,
  capabilities,
  inputs: inputsOf,
  create: (o) => createNeuralModel('transformer', checked('transformer', transformerOptionsSchema, o)),
  load: (blob, o) => loadNeuralModel('transformer', blob, checked('transformer', transformerOptionsSchema, o)),
});

/** Both plugins, for `createPluginRegistry([...neural])`. */
const plugins = [lstm, transformer] as const;
export default plugins;

export { createNeuralModel, loadNeuralModel, neuralForecast, METADATA_KEY, type NeuralHeader, type NeuralKind, type NeuralModel } from './model.js';
export { DEFAULT_INPUTS, DEFAULT_SEQUENCE_LENGTH, lstmOptionsSchema, transformerOptionsSchema, type LstmOptions, type NeuralOptions, type TransformerOptions } from './options.js';
export { exportOnnx, readOnnx, ONNX_INPUT, ONNX_OUTPUT } from './onnx.js';
export { onnxWindows, fitStandardiser, standardise, Sequence, type Standardiser } from './windows.js';
export { createNet, predictWindows, sinusoidal, weightShapes, type Arch, type Net } from './nets.js';
export { Adam, Tape, constant, param, LAYER_NORM_EPS, type Tensor } from './tape.js';
export { train, lossOf, type TrainParams, type TrainReport } from './train.js';
