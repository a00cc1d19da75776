/**
 * ONNX export (opset 17, IR 8, built with `onnx-proto`). The graph takes RAW features and does the whole
 * preprocessing itself, so a consumer only builds NaN-padded windows (`onnxWindows`):
 *
 *   x float32[N, L, F] -Sub(mean)-> -Div(sd)-> -Where(IsNaN, 0)-> -Clip(±clip)-> s
 *   LSTM:        s -Transpose(1,0,2)-> -LSTM(W, R, B; gates i,o,f,c)-> Y_h[1,N,H] -Squeeze(0)-> -MatMul+Add-> zHat
 *   Transformer: s -MatMul+Add(Win, bin)-> -Add(P)-> e; Q/K/V = MatMul+Add; heads by Reshape/Transpose;
 *                Softmax(QK^T * 1/sqrt(dh)) V -> MatMul+Add(Wo) -> Add(e) -> LayerNormalization
 *                -> FFN (MatMul, Add, Relu, MatMul, Add) -> Add -> LayerNormalization
 *                -> ReduceMean(axis 1) | Gather(L-1, axis 1) -> MatMul+Add(Wy, by) -> zHat
 *   zHat float32[N, 1]
 *
 * The weights are initializers (float32: the served model's weights are float32-rounded at fit time, so
 * they are exact), named as in `nets.ts` for the transformer and W/R/B (ONNX layout) for the LSTM. The
 * JSON header (standardiser, calibration, options, training report) is metadata under `satcast.neural`;
 * `readOnnx` rebuilds the model from these bytes alone.
 */
import type { Net } from './nets.js';
import { onnx } from './proto.js';
import { LAYER_NORM_EPS } from './tape.js';

export const ONNX_INPUT = 'x';
export const ONNX_OUTPUT = 'zHat';
const FLOAT = 1, INT64 = 7;
const A = onnx.AttributeProto.AttributeType;

// My LSTM gate blocks are (i, f, g, o); ONNX's are (i, o, f, c). ONNX block k reads my block GATE[k].
const GATE = [0, 3, 1, 2];

type Node = { name: string; opType: string; input: string[]; output: string[]; attribute?: object[] };
type Init = { name: string; dataType: number; dims: number[]; floatData?: number[]; int64Data?: number[] };

const tensorType = (name: string, dims: (number | string)[]) => ({
  name,
  type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
});

interface HeaderLike {
  model: string;
  horizon: string;
  sequenceLength: number;
  inputs: string[];
  standardiser: { mean: number[]; sd: number[]; clip: number };
}

/** Serialise the network with its preprocessing as an ONNX ModelProto; `header` goes to metadata[key]. */
export function exportOnnx(header: HeaderLike, net: Net, key: string): Uint8Array {
  const L = net.L, F = net.F;
  const nodes: Node[] = [];
  const inits: Init[] = [];
  let seq = 0;
  const node = (opType: string, input: string[], attribute?: object[], outName?: string): string => {
    const out = outName ?? `${opType.toLowerCase()}_${seq++}`;
    nodes.push({ name: out, opType, input, output: [out], ...(attribute ? { attribute } : {}) });
    return out;
  };
  const init = (name: string, dims: number[], v: ArrayLike<number>) => (inits.push({ name, dataType: FLOAT, dims, floatData: Array.from(v, Math.fround) }), name);
  const ints = (name: string, v: number[]) => (inits.push({ name, dataType: INT64, dims: [v.length], int64Data: v }), name);
  const w = (k: string) => net.weights.get(k)!;
  const weight = (k: string) => {
    const t = w(k);
    return init(k, t.rows === 1 ? [t.cols] : [t.rows, t.cols], t.v);
  };
  const linear = (x: string, W: string, b: string) => node('Add', [node('MatMul', [x, weight(W)]), weight(b)]);

  const st = header.standardiser;
  const sub = node('Sub', [ONNX_INPUT, init('mean', [F], st.mean)]);
  const div = node('Div', [sub, init('sd', [F], st.sd)]);
  const imputed = node('Where', [node('IsNaN', [div]), init('zero', [], [0]), div]);
  const s = node('Clip', [imputed, init('clip_min', [], [-st.clip]), init('clip_max', [], [st.clip])], undefined, 'standardised');

  let pooled: string;
  const arch = net.arch;
  if (arch.kind === 'lstm') {
    const H = arch.hidden;
    const Wx = w('Wx').v, Wh = w('Wh').v, b = w('b').v;
    const W = new Float64Array(4 * H * F), R = new Float64Array(4 * H * H), B = new Float64Array(8 * H);
    for (let k = 0; k < 4; k++)
      for (let j = 0; j < H; j++) {
        const col = GATE[k]! * H + j, row = k * H + j;
        for (let p = 0; p < F; p++) W[row * F + p] = Wx[p * 4 * H + col]!;
        for (let p = 0; p < H; p++) R[row * H + p] = Wh[p * 4 * H + col]!;
        B[row] = b[col]!;
      }
    const xt = node('Transpose', [s], [{ name: 'perm', type: A.INTS, ints: [1, 0, 2] }]);
    nodes.push({
      name: 'lstm', opType: 'LSTM', input: [xt, init('W', [1, 4 * H, F], W), init('R', [1, 4 * H, H], R), init('B', [1, 8 * H], B)],
      output: ['', 'Y_h'], attribute: [{ name: 'hidden_size', type: A.INT, i: H }],
    });
    pooled = node('Squeeze', ['Y_h', ints('axis0', [0])]);
  } else {
    const D = arch.dModel, h = arch.heads, dh = D / h;
    const e = node('Add', [linear(s, 'Win', 'bin'), weight('P')]);
    const split = (x: string, perm: number[]) => node('Transpose', [node('Reshape', [x, ints(`heads_shape_${seq}`, [0, 0, h, dh])])], [{ name: 'perm', type: A.INTS, ints: perm }]);
    const q = split(linear(e, 'Wq', 'bq'), [0, 2, 1, 3]);
    const kT = split(linear(e, 'Wk', 'bk'), [0, 2, 3, 1]);
    const v = split(linear(e, 'Wv', 'bv'), [0, 2, 1, 3]);
    const scores = node('Mul', [node('MatMul', [q, kT]), init('attn_scale', [], [1 / Math.sqrt(dh)])]);
    const att = node('MatMul', [node('Softmax', [scores], [{ name: 'axis', type: A.INT, i: -1 }]), v]);
    const merged = node('Reshape', [node('Transpose', [att], [{ name: 'perm', type: A.INTS, ints: [0, 2, 1, 3] }]), ints('merge_shape', [0, 0, D])]);
    const ln = (x: string, g: string, b: string) =>
      node('LayerNormalization', [x, weight(g), weight(b)], [{ name: 'axis', type: A.INT, i: -1 }, { name: 'epsilon', type: A.FLOAT, f: LAYER_NORM_EPS }]);
    const n1 = ln(node('Add', [e, linear(merged, 'Wo', 'bo')]), 'g1', 'be1');
    const ff = linear(node('Relu', [linear(n1, 'W1', 'b1')]), 'W2', 'b2');
    const n2 = ln(node('Add', [n1, ff]), 'g2', 'be2');
    pooled =
      arch.pooling === 'mean'
        ? node('ReduceMean', [n2], [{ name: 'axes', type: A.INTS, ints: [1] }, { name: 'keepdims', type: A.INT, i: 0 }])
        : node('Gather', [n2, (inits.push({ name: 'last', dataType: INT64, dims: [], int64Data: [L - 1] }), 'last')], [{ name: 'axis', type: A.INT, i: 1 }]);
  }
  const head = node('MatMul', [pooled, weight('Wy')]);
  nodes.push({ name: 'head', opType: 'Add', input: [head, weight('by')], output: [ONNX_OUTPUT] });

  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'satcast',
    producerVersion: '0.1.0',
    domain: 'org.satcast',
    modelVersion: 1,
    docString: `satcast ${header.model} ${header.horizon}: raw feature windows [N, ${L}, ${F}] -> standardised point zHat [N, 1] (point = sigma_h * zHat)`,
    opsetImport: [{ domain: '', version: 17 }],
    metadataProps: [
      { key: key, value: JSON.stringify(header) },
      { key: 'satcast.model', value: header.model },
      { key: 'satcast.horizon', value: header.horizon },
      { key: 'satcast.inputs', value: JSON.stringify(header.inputs) },
    ],
    graph: {
      name: `satcast_${header.model}_${header.horizon}`,
      node: nodes,
      initializer: inits,
      input: [tensorType(ONNX_INPUT, ['N', L, F])],
      output: [tensorType(ONNX_OUTPUT, ['N', 1])],
    },
  });
  return new Uint8Array(onnx.ModelProto.encode(model).finish());
}

/**
 * Header (metadata[key]) and weights (float32 initializers, mapped back to the `nets.ts` layout) of a
 * graph written by `exportOnnx`.
 */
export function readOnnx<H extends { arch: Net['arch']; inputs: string[] }>(bytes: Uint8Array, key: string): { header: H; weights: Map<string, number[]>; opTypes: string[] } {
  const m = onnx.ModelProto.decode(bytes);
  const raw = m.metadataProps?.find((e) => e.key === key)?.value;
  if (!raw || !m.graph) throw new Error(`ONNX model has no "${key}" metadata`);
  const header = JSON.parse(raw) as H;
  const inits = new Map((m.graph.initializer ?? []).map((t) => [t.name ?? '', Array.from(t.floatData ?? [])]));
  const weights = new Map<string, number[]>();
  if (header.arch.kind === 'lstm') {
    const H = header.arch.hidden, F = header.inputs.length;
    const W = inits.get('W')!, R = inits.get('R')!, B = inits.get('B')!;
    const Wx = new Array<number>(F * 4 * H), Wh = new Array<number>(H * 4 * H), b = new Array<number>(4 * H);
    for (let k = 0; k < 4; k++)
      for (let j = 0; j < H; j++) {
        const col = GATE[k]! * H + j, row = k * H + j;
        for (let p = 0; p < F; p++) Wx[p * 4 * H + col] = W[row * F + p]!;
        for (let p = 0; p < H; p++) Wh[p * 4 * H + col] = R[row * H + p]!;
        b[col] = B[row]!;
      }
    weights.set('Wx', Wx).set('Wh', Wh).set('b', b).set('Wy', inits.get('Wy')!).set('by', inits.get('by')!);
  } else {
    for (const [name, v] of inits) if (!['mean', 'sd', 'zero', 'clip_min', 'clip_max', 'attn_scale'].includes(name)) weights.set(name, v);
  }
  return { header, weights, opTypes: (m.graph.node ?? []).map((n) => n.opType ?? '') };
}
