/**
 * @module @satcast/adapter-onnx-runtime
 * Serve Satcast's ONNX models from Node with onnxruntime-node: `createOnnxSession(bytes, opts)` (CPU;
 * `cuda`/`tensorrt` when their libraries are installed, otherwise a CPU fallback with a warning) and
 * `runRows(columns, order)`, which batches feature columns into one float32 tensor. `packRows` is the
 * runtime-free packing step, for onnxruntime-web in browsers and workers.
 *
 * @example
 * import { createOnnxSession } from '@satcast/adapter-onnx-runtime';
 * import { decodeEnvelope, forecastFromStandardized } from '@satcast/plugin-linear';
 * const { header } = decodeEnvelope(blob.bytes); // a Satcast envelope is itself the ONNX file
 * const session = await createOnnxSession(blob.bytes);
 * const zHat = await session.runRows(features, header.inputs);
 * const forecasts = Array.from(zHat, (z, i) => forecastFromStandardized(header, z, features[header.sigma.volFeature][i]));
 */
export { createOnnxSession, type ExecutionProvider, type OnnxSession, type OnnxSessionOptions, type RunRowsOptions } from './session.js';
export { packRows, type PackedRows } from './rows.js';
