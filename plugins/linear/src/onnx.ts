/**
 * ONNX export of a fitted linear model: raw features -> standardised point zHat, in three ai.onnx.ml
 * nodes so the graph itself documents the preprocessing:
 *
 *   features float32[N,p] -Imputer(NaN -> training mean)-> -Scaler((x - mean) * (1/std))->
 *   -Clip(-clip, clip)-> -LinearRegressor(coef, intercept)-> zHat float32[N,1]
 *
 * Everything in ONNX-ML is float32, so the graph holds the float64 parameters rounded to float32; the
 * TS path and onnxruntime agree to ~1e-6 relative (tested). Built with `onnx-proto` (protobufjs
 * classes generated from onnx.proto, ONNX 1.10, IR version 8).
 */
import { onnx } from './proto.js';

export const ONNX_INPUT = 'features';
export const ONNX_OUTPUT = 'z';
const ML = 'ai.onnx.ml';
const FLOAT = 1;

export interface LinearParams {
  inputs: string[];
  mean: number[];
  std: number[];
  /** Standardised inputs are clipped to [-clip, clip]. */
  clip: number;
  intercept: number;
  coef: number[];
}

const utf8 = (s: string) => new TextEncoder().encode(s);
const floats = (name: string, v: number[]) => ({ name, type: onnx.AttributeProto.AttributeType.FLOATS, floats: v });
const float = (name: string, v: number) => ({ name, type: onnx.AttributeProto.AttributeType.FLOAT, f: v });
const int = (name: string, v: number) => ({ name, type: onnx.AttributeProto.AttributeType.INT, i: v });
const str = (name: string, v: string) => ({ name, type: onnx.AttributeProto.AttributeType.STRING, s: utf8(v) });
const tensor = (name: string, dims: (number | string)[]) => ({
  name,
  type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
});

/** Serialise the linear model as an ONNX ModelProto (bytes). */
export function exportLinearOnnx(p: LinearParams, meta: { model: string; horizon: string; producerVersion?: string }): Uint8Array {
  const n = p.inputs.length;
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'satcast',
    producerVersion: meta.producerVersion ?? '0.1.0',
    domain: 'org.satcast',
    modelVersion: 1,
    docString: `satcast ${meta.model} ${meta.horizon}: raw features -> standardised point zHat (point = sigma_h * zHat)`,
    opsetImport: [
      { domain: '', version: 17 },
      { domain: ML, version: 3 },
    ],
    metadataProps: [
      { key: 'satcast.model', value: meta.model },
      { key: 'satcast.horizon', value: meta.horizon },
      { key: 'satcast.inputs', value: JSON.stringify(p.inputs) },
    ],
    graph: {
      name: `satcast_${meta.model}_${meta.horizon}`,
      node: [
        {
          name: 'impute', opType: 'Imputer', domain: ML, input: [ONNX_INPUT], output: ['imputed'],
          attribute: [floats('imputed_value_floats', p.mean), float('replaced_value_float', Number.NaN)],
        },
        {
          name: 'standardise', opType: 'Scaler', domain: ML, input: ['imputed'], output: ['scaled'],
          attribute: [floats('offset', p.mean), floats('scale', p.std.map((s) => 1 / s))],
        },
        { name: 'clip', opType: 'Clip', domain: '', input: ['scaled', 'clip_min', 'clip_max'], output: ['clipped'] },
        {
          name: 'linear', opType: 'LinearRegressor', domain: ML, input: ['clipped'], output: [ONNX_OUTPUT],
          attribute: [floats('coefficients', p.coef), floats('intercepts', [p.intercept]), int('targets', 1), str('post_transform', 'NONE')],
        },
      ],
      // Clip (opset 11+) takes its bounds as scalar inputs.
      initializer: [
        { name: 'clip_min', dataType: FLOAT, dims: [], floatData: [-p.clip] },
        { name: 'clip_max', dataType: FLOAT, dims: [], floatData: [p.clip] },
      ],
      input: [tensor(ONNX_INPUT, ['N', n])],
      output: [tensor(ONNX_OUTPUT, ['N', 1])],
    },
  });
  // protobufjs returns a Node Buffer in Node; hand out a plain Uint8Array everywhere.
  return new Uint8Array(onnx.ModelProto.encode(model).finish());
}

/** Read the parameters back out of a graph written by `exportLinearOnnx` (float32 precision). */
export function readLinearOnnx(bytes: Uint8Array): LinearParams & { opTypes: string[] } {
  const m = onnx.ModelProto.decode(bytes);
  const nodes = m.graph?.node ?? [];
  const attr = (op: string, name: string) => nodes.find((x) => x.opType === op)?.attribute?.find((a) => a.name === name);
  const inputs = JSON.parse(m.metadataProps?.find((e) => e.key === 'satcast.inputs')?.value ?? '[]') as string[];
  return {
    opTypes: nodes.map((x) => x.opType ?? ''),
    inputs,
    mean: attr('Imputer', 'imputed_value_floats')?.floats ?? [],
    std: (attr('Scaler', 'scale')?.floats ?? []).map((s) => 1 / s),
    coef: attr('LinearRegressor', 'coefficients')?.floats ?? [],
    intercept: attr('LinearRegressor', 'intercepts')?.floats?.[0] ?? Number.NaN,
    clip: m.graph?.initializer?.find((t) => t.name === 'clip_max')?.floatData?.[0] ?? Number.NaN,
  };
}
