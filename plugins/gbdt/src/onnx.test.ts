import { beforeAll, describe, expect, it } from 'vitest';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { trainGbdt } from './boost.js';
import { predict, toMatrix, type TreeEnsemble } from './ensemble.js';
import { trainForest } from './forest.js';
import { fromOnnx, toOnnx } from './onnx.js';
import { DEFAULT_INPUTS } from './options.js';
import { realRows } from './real-data.fixture.js';
import { mulberry32 } from './rng.js';

/**
 * Parity: the exported ONNX model run by onnxruntime (native and wasm) predicts what the TS trees
 * predict, on real rows including NaNs (indicator warm-up rows and injected holes) and on adversarial
 * values that sit within float64 noise of a split threshold (where a float64 comparison would branch
 * differently from onnxruntime's float32 one). Tolerance 1e-5 absolute: only the float32 sum of the
 * leaves differs; every branch is the same.
 */
const names = [...DEFAULT_INPUTS];
let x: Float64Array, nRows: number, y: Float64Array, yUp: Float64Array;
const nF = names.length;

beforeAll(async () => {
  // from the first bar of the history: the first ~200 rows have NaN indicators (warm-up)
  const rows = await realRows(Date.UTC(2017, 7, 17), Date.UTC(2017, 11, 1), '4h');
  nRows = rows.times.length;
  x = toMatrix(rows.features, names, nRows);
  const rng = mulberry32(5);
  for (let i = 0; i < x.length; i++) if (rng() < 0.03) x[i] = Number.NaN;
  const vol = rows.features.ewma_vol!;
  y = Float64Array.from(rows.target, (v, i) => v / (vol[i]! * 2));
  yUp = Float64Array.from(rows.target, (v) => (Number.isFinite(v) ? (v > 0 ? 1 : 0) : Number.NaN));
});

/** Rows that straddle thresholds: for a few splits, copy a real row and set the split feature to t, t +- ulp-ish. */
function adversarial(e: TreeEnsemble): { x: Float64Array; n: number; straddles: number } {
  const picks: [number, number][] = [];
  for (const t of e.trees.slice(0, 20)) for (let i = 0; i < t.left.length; i++) if (t.left[i]! >= 0) picks.push([t.feature[i]!, t.threshold[i]!]);
  const deltas = [0, 1e-13, -1e-13, 1e-9, -1e-9];
  const n = picks.length * deltas.length;
  const ax = new Float64Array(nF * n);
  let r = 0, straddles = 0;
  for (const [f, thr] of picks) {
    for (const d of deltas) {
      const src = (r * 37) % nRows;
      for (let g = 0; g < nF; g++) ax[g * n + r] = x[g * nRows + src]!;
      const v = thr * (1 + d) + d;
      ax[f * n + r] = v;
      // float64 says "right", float32 (onnxruntime) says "left"
      if (v > thr && Math.fround(v) <= thr) straddles++;
      r++;
    }
  }
  return { x: ax, n, straddles };
}

function rowMajor32(m: Float64Array, n: number): Float32Array {
  const out = new Float32Array(m.length);
  for (let r = 0; r < n; r++) for (let f = 0; f < nF; f++) out[r * nF + f] = m[f * n + r]!;
  return out;
}

type Ort = typeof ortNode;
async function runOnnx(ort: Ort, bytes: Uint8Array, m: Float64Array, n: number, logistic: boolean): Promise<Float64Array> {
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ X: new ort.Tensor('float32', rowMajor32(m, n), [n, nF]) });
  const data = (logistic ? out.probabilities! : out.Y!).data as Float32Array;
  return Float64Array.from({ length: n }, (_, r) => (logistic ? data[2 * r + 1]! : data[r]!));
}

const memo = new Map<string, TreeEnsemble>();
const once = (k: string, f: () => TreeEnsemble) => () => memo.get(k) ?? (memo.set(k, f()), memo.get(k)!);
const cases: [string, () => TreeEnsemble][] = [
  ['gbdt l2 (depth-wise)', once('gbdt l2 (depth-wise)', () => trainGbdt({ x, nRows, nFeatures: nF, y, featureNames: names }, { nEstimators: 60, maxDepth: 5, subsample: 0.8, colsampleByTree: 0.8 }).ensemble)],
  ['gbdt quantile 0.9 (leaf-wise)', once('gbdt quantile 0.9 (leaf-wise)', () => trainGbdt({ x, nRows, nFeatures: nF, y }, { objective: 'quantile', alpha: 0.9, nEstimators: 40, growPolicy: 'leafwise', maxLeaves: 15, maxDepth: 10 }).ensemble)],
  ['gbdt logistic', once('gbdt logistic', () => trainGbdt({ x, nRows, nFeatures: nF, y: yUp }, { objective: 'logistic', nEstimators: 40 }).ensemble)],
  ['random forest', once('random forest', () => trainForest({ x, nRows, nFeatures: nF, y }, { nTrees: 25, maxDepth: 7, minChildWeight: 10 }))],
];

describe('ONNX export: onnxruntime predicts what the TS trees predict', () => {
  const wasm = ortWeb as unknown as Ort;
  beforeAll(() => {
    ortWeb.env.wasm.numThreads = 1;
  });

  for (const [label, make] of cases) {
    it(`${label}: onnxruntime-node and onnxruntime-web within 1e-5 on real rows with NaNs and threshold-straddling rows`, async () => {
      const e = make();
      expect(e.trees.length).toBeGreaterThan(0);
      const bytes = toOnnx(e);
      const logistic = e.postTransform === 'logistic';
      const adv = adversarial(e);
      for (const [m, n] of [[x, nRows], [adv.x, adv.n]] as const) {
        const ts = predict(e, m, n);
        for (const ort of [ortNode as Ort, wasm]) {
          const onnx = await runOnnx(ort, bytes, m, n, logistic);
          let maxDiff = 0;
          for (let r = 0; r < n; r++) maxDiff = Math.max(maxDiff, Math.abs(onnx[r]! - ts[r]!));
          expect(maxDiff).toBeLessThan(1e-5);
        }
      }
      // the import is exact (float32 leaves and thresholds in both)
      const back = fromOnnx(bytes).ensemble;
      expect(Array.from(predict(back, x, nRows))).toEqual(Array.from(predict(e, x, nRows)));
      expect(back.aggregate).toBe(e.aggregate);
      expect(back.postTransform).toBe(e.postTransform);
    });
  }

  it('a float64 comparison would branch differently on the straddling rows (the test has teeth)', () => {
    const e = cases[0]![1]();
    expect(adversarial(e).straddles).toBeGreaterThan(10);
  });

  it('metadata rides along and unknown models are refused', () => {
    const e = cases[0]![1]();
    const { metadata } = fromOnnx(toOnnx(e, { metadata: { hello: 'world' } }));
    expect(metadata.hello).toBe('world');
    expect(() => fromOnnx(new Uint8Array([8, 8]))).toThrow(/tree-ensemble/);
  });
});
