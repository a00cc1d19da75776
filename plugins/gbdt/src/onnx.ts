/**
 * ONNX-ML export and import of tree ensembles (onnx-proto). Mapping:
 * - sum / average ensembles -> `TreeEnsembleRegressor` (aggregate_function SUM / AVERAGE, base_values =
 *   [base], output Y float [N, 1]);
 * - logistic ensembles -> `TreeEnsembleClassifier` (classlabels [0, 1], one score per leaf (class id 0),
 *   post_transform LOGISTIC; outputs label int64 [N] and probabilities float [N, 2]).
 * Nodes use BRANCH_LEQ on float32 thresholds (see binning.ts) and nodes_missing_value_tracks_true = the
 * learned default direction (NaN goes to the "true" = left branch when 1). Opsets: ai.onnx 17,
 * ai.onnx.ml 3 (float attributes), IR version 8; onnxruntime 1.30 runs it.
 *
 * Import reads the same attributes back, so an ONNX file is also this library's storage format: the
 * leaves and thresholds are float32 numbers in both, and the TS model predicts bit-identically after a
 * round trip. Arbitrary string metadata (e.g. a calibration sidecar) rides in `metadata_props`.
 */
import onnxProto from 'onnx-proto';
import type { TreeEnsemble } from './ensemble.js';
import type { Tree } from './tree.js';

const { onnx } = onnxProto;
const A = onnx.AttributeProto.AttributeType;
const te = new TextEncoder();
const td = new TextDecoder();

type Attr = InstanceType<typeof onnx.AttributeProto>;
const ints = (name: string, v: ArrayLike<number>) => ({ name, type: A.INTS, ints: Array.from(v) });
const floats = (name: string, v: ArrayLike<number>) => ({ name, type: A.FLOATS, floats: Array.from(v) });
const strings = (name: string, v: string[]) => ({ name, type: A.STRINGS, strings: v.map((s) => te.encode(s)) });
const str = (name: string, v: string) => ({ name, type: A.STRING, s: te.encode(v) });

export interface OnnxExportOptions {
  /** Extra `metadata_props` entries (string values). */
  metadata?: Record<string, string>;
  producerVersion?: string;
}

function nodeAttributes(trees: readonly Tree[]) {
  const n = { treeids: [] as number[], nodeids: [] as number[], featureids: [] as number[], modes: [] as string[], values: [] as number[], truenodeids: [] as number[], falsenodeids: [] as number[], missing: [] as number[] };
  const leaf = { treeids: [] as number[], nodeids: [] as number[], weights: [] as number[] };
  trees.forEach((t, ti) => {
    for (let i = 0; i < t.left.length; i++) {
      const isLeaf = t.left[i]! < 0;
      n.treeids.push(ti);
      n.nodeids.push(i);
      n.featureids.push(isLeaf ? 0 : t.feature[i]!);
      n.modes.push(isLeaf ? 'LEAF' : 'BRANCH_LEQ');
      n.values.push(isLeaf ? 0 : t.threshold[i]!);
      n.truenodeids.push(isLeaf ? 0 : t.left[i]!);
      n.falsenodeids.push(isLeaf ? 0 : t.right[i]!);
      n.missing.push(isLeaf ? 0 : t.defaultLeft[i]!);
      if (isLeaf) (leaf.treeids.push(ti), leaf.nodeids.push(i), leaf.weights.push(t.value[i]!));
    }
  });
  const nodes = [
    ints('nodes_treeids', n.treeids),
    ints('nodes_nodeids', n.nodeids),
    ints('nodes_featureids', n.featureids),
    strings('nodes_modes', n.modes),
    floats('nodes_values', n.values),
    ints('nodes_truenodeids', n.truenodeids),
    ints('nodes_falsenodeids', n.falsenodeids),
    ints('nodes_missing_value_tracks_true', n.missing),
  ];
  return { nodes, leaf };
}

const tensorType = (elemType: number, dims: (number | string)[]) => ({
  tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } },
});

/**
 * Serialise an ensemble as an ONNX model with input `X` (float [N, nFeatures]).
 * @example
 * const bytes = toOnnx(ensemble);
 * // onnxruntime: (await session.run({ X: new Tensor('float32', x32, [n, f]) })).Y
 */
export function toOnnx(e: TreeEnsemble, opts: OnnxExportOptions = {}): Uint8Array {
  const { nodes, leaf } = nodeAttributes(e.trees);
  const FLOAT = onnx.TensorProto.DataType.FLOAT, INT64 = onnx.TensorProto.DataType.INT64;
  let node, outputs;
  if (e.postTransform === 'logistic') {
    const attrs = [
      ...nodes,
      ints('classlabels_int64s', [0, 1]),
      ints('class_treeids', leaf.treeids),
      ints('class_nodeids', leaf.nodeids),
      // one score per leaf, all on class id 0: onnxruntime's binary case (as for XGBoost converters)
      // then reports probabilities [1 - p, p] with p = sigmoid(base + sum)
      ints('class_ids', leaf.treeids.map(() => 0)),
      floats('class_weights', leaf.weights),
      floats('base_values', [e.base]),
      str('post_transform', 'LOGISTIC'),
    ];
    node = { opType: 'TreeEnsembleClassifier', domain: 'ai.onnx.ml', input: ['X'], output: ['label', 'probabilities'], name: 'trees', attribute: attrs as Attr[] };
    outputs = [
      { name: 'label', type: tensorType(INT64, ['N']) },
      { name: 'probabilities', type: tensorType(FLOAT, ['N', 2]) },
    ];
  } else {
    const attrs = [
      ...nodes,
      { name: 'n_targets', type: A.INT, i: 1 },
      ints('target_treeids', leaf.treeids),
      ints('target_nodeids', leaf.nodeids),
      ints('target_ids', leaf.treeids.map(() => 0)),
      floats('target_weights', leaf.weights),
      floats('base_values', [e.base]),
      str('aggregate_function', e.aggregate === 'average' ? 'AVERAGE' : 'SUM'),
      str('post_transform', 'NONE'),
    ];
    node = { opType: 'TreeEnsembleRegressor', domain: 'ai.onnx.ml', input: ['X'], output: ['Y'], name: 'trees', attribute: attrs as Attr[] };
    outputs = [{ name: 'Y', type: tensorType(FLOAT, ['N', 1]) }];
  }
  const meta: Record<string, string> = {
    'satcast.ensemble': JSON.stringify({ aggregate: e.aggregate, postTransform: e.postTransform, nFeatures: e.nFeatures, featureNames: e.featureNames ?? null }),
    ...opts.metadata,
  };
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: '@satcast/plugin-gbdt',
    producerVersion: opts.producerVersion ?? '0.1.0',
    opsetImport: [
      { domain: '', version: 17 },
      { domain: 'ai.onnx.ml', version: 3 },
    ],
    graph: {
      name: 'satcast_trees',
      node: [node],
      input: [{ name: 'X', type: tensorType(FLOAT, ['N', e.nFeatures]) }],
      output: outputs,
    },
    metadataProps: Object.entries(meta).map(([key, value]) => ({ key, value })),
  });
  return onnx.ModelProto.encode(model).finish();
}

export interface OnnxImport {
  ensemble: TreeEnsemble;
  metadata: Record<string, string>;
}

/** Read an ensemble written by `toOnnx` back (trees, base, aggregate, metadata). */
export function fromOnnx(bytes: Uint8Array): OnnxImport {
  const model = onnx.ModelProto.decode(bytes);
  const metadata: Record<string, string> = {};
  for (const p of model.metadataProps) if (p.key) metadata[p.key] = p.value ?? '';
  const node = model.graph?.node?.[0];
  if (!node || (node.opType !== 'TreeEnsembleRegressor' && node.opType !== 'TreeEnsembleClassifier')) {
    throw new RangeError('not a tree-ensemble ONNX model');
  }
  const at = new Map((node.attribute ?? []).map((a) => [a.name, a]));
  const I = (k: string) => (at.get(k)?.ints ?? []).map(Number);
  const F = (k: string) => at.get(k)?.floats ?? [];
  const S = (k: string) => (at.get(k)?.strings ?? []).map((s) => td.decode(s));
  const cls = node.opType === 'TreeEnsembleClassifier';
  const treeids = I('nodes_treeids'), nodeids = I('nodes_nodeids'), feat = I('nodes_featureids'), modes = S('nodes_modes');
  const vals = F('nodes_values'), tn = I('nodes_truenodeids'), fn = I('nodes_falsenodeids'), miss = I('nodes_missing_value_tracks_true');
  const nTrees = treeids.reduce((m, t) => Math.max(m, t + 1), 0);
  const size = new Array<number>(nTrees).fill(0);
  treeids.forEach((t, k) => (size[t] = Math.max(size[t]!, nodeids[k]! + 1)));
  const trees: Tree[] = size.map((n) => ({
    feature: new Int32Array(n).fill(-1),
    threshold: new Float32Array(n),
    defaultLeft: new Uint8Array(n),
    left: new Int32Array(n).fill(-1),
    right: new Int32Array(n).fill(-1),
    value: new Float64Array(n),
    gain: new Float64Array(n),
  }));
  treeids.forEach((t, k) => {
    if (modes[k] === 'LEAF') return;
    const tr = trees[t]!, i = nodeids[k]!;
    tr.feature[i] = feat[k]!;
    tr.threshold[i] = vals[k]!;
    tr.defaultLeft[i] = miss[k] ?? 0;
    tr.left[i] = tn[k]!;
    tr.right[i] = fn[k]!;
  });
  const p = cls ? 'class_' : 'target_';
  const lt = I(`${p}treeids`), ln = I(`${p}nodeids`), lw = F(`${p}weights`);
  lt.forEach((t, k) => (trees[t]!.value[ln[k]!] = lw[k]!));
  const info = JSON.parse(metadata['satcast.ensemble'] ?? '{}') as { nFeatures?: number; featureNames?: string[] | null };
  const aggregate = !cls && td.decode(at.get('aggregate_function')?.s ?? te.encode('SUM')) === 'AVERAGE' ? 'average' : 'sum';
  const inDim = model.graph?.input?.[0]?.type?.tensorType?.shape?.dim?.[1]?.dimValue;
  return {
    ensemble: {
      nFeatures: info.nFeatures ?? Number(inDim ?? 0),
      featureNames: info.featureNames ?? undefined,
      base: F('base_values')[0] ?? 0,
      aggregate,
      postTransform: cls ? 'logistic' : 'none',
      trees,
    },
    metadata,
  };
}
