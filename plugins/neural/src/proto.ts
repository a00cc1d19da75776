/**
 * The ONNX protobuf classes (`onnx-proto`: protobufjs code generated from onnx.proto of ONNX 1.10).
 * The package is CommonJS: Node's ESM loader exposes it as `default`, bundlers as a named export.
 */
import * as onnxModule from 'onnx-proto';

type Onnx = typeof onnxModule.onnx;
export const onnx: Onnx =
  (onnxModule as unknown as { onnx?: Onnx }).onnx ?? (onnxModule as unknown as { default: { onnx: Onnx } }).default.onnx;
