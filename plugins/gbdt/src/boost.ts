/**
 * Histogram gradient boosting. Bins come from the training rows only; when `validationFraction` > 0 the
 * LAST fraction of the (time-ordered) rows is held out, never shuffled, and boosting stops after
 * `earlyStoppingRounds` trees without a better validation loss, keeping the best prefix.
 */
import { applyBins, fitBins } from './binning.js';
import type { TreeEnsemble } from './ensemble.js';
import { growTree, type GrowData, type GrowParams } from './grow.js';
import { objective, quantileOf, type ObjectiveName } from './objectives.js';
import { mulberry32, sampleIndices } from './rng.js';
import { leafOfBins, type Tree } from './tree.js';

export interface GbdtParams {
  objective: ObjectiveName;
  /** Pinball level for objective 'quantile'. */
  alpha: number;
  nEstimators: number;
  learningRate: number;
  growPolicy: 'depthwise' | 'leafwise';
  maxDepth: number;
  maxLeaves: number;
  minChildWeight: number;
  lambda: number;
  minSplitGain: number;
  /** Fraction of training rows per tree (Bernoulli draw, no replacement). */
  subsample: number;
  /** Fraction of features per tree. */
  colsampleByTree: number;
  maxBins: number;
  /** Last fraction of rows for early stopping (0 = off). */
  validationFraction: number;
  earlyStoppingRounds: number;
  /** Rows dropped between the training part and the validation part (purges overlapping targets). */
  validationGap: number;
  seed: number;
}

export const GBDT_DEFAULTS: GbdtParams = {
  objective: 'l2',
  alpha: 0.5,
  nEstimators: 300,
  learningRate: 0.05,
  growPolicy: 'depthwise',
  maxDepth: 4,
  maxLeaves: 0,
  minChildWeight: 20,
  lambda: 1,
  minSplitGain: 0,
  subsample: 0.8,
  colsampleByTree: 0.8,
  maxBins: 255,
  validationFraction: 0,
  earlyStoppingRounds: 30,
  validationGap: 0,
  seed: 1,
};

export interface TrainInput {
  /** Column-major matrix, x[f * nRows + r]; NaN = missing. */
  x: Float64Array;
  nRows: number;
  nFeatures: number;
  y: Float64Array;
  /** Rows to learn from, in time order (default: all rows with a finite y). */
  rows?: ArrayLike<number>;
  featureNames?: string[];
}

export interface GbdtResult {
  ensemble: TreeEnsemble;
  /** Trees kept (best iteration + 1 with early stopping). */
  bestIteration: number;
  trainLoss: number[];
  validLoss: number[];
}

/** Rows with a finite target, in the given or natural order. */
export function usableRows(input: TrainInput): Int32Array {
  const src = input.rows ?? Int32Array.from({ length: input.nRows }, (_, i) => i);
  const out: number[] = [];
  for (let i = 0; i < src.length; i++) if (Number.isFinite(input.y[src[i]!]!)) out.push(src[i]!);
  return Int32Array.from(out);
}

/** Binned view of some rows for training: their bins, targets and running predictions. */
interface Part {
  bins: Uint8Array;
  y: Float64Array;
  pred: Float64Array;
  all: Int32Array;
}

/**
 * Fit a boosted ensemble.
 * @example
 * const { ensemble } = trainGbdt({ x, nRows, nFeatures: 3, y }, { maxDepth: 3, nEstimators: 100 });
 * const yhat = predict(ensemble, xTest, nTest);
 */
export function trainGbdt(input: TrainInput, params: Partial<GbdtParams> = {}): GbdtResult {
  const p: GbdtParams = { ...GBDT_DEFAULTS, ...params };
  const obj = objective(p.objective, p.alpha);
  const rows = usableRows(input);
  const nValid = p.validationFraction > 0 ? Math.floor(rows.length * p.validationFraction) : 0;
  const trainRows = rows.subarray(0, Math.max(0, rows.length - nValid - (nValid > 0 ? p.validationGap : 0)));
  const validRows = rows.subarray(rows.length - nValid);
  if (trainRows.length < 2) throw new RangeError(`needs at least 2 training rows with a finite target, got ${trainRows.length}`);
  const nF = input.nFeatures;
  const mapper = fitBins(input.x, input.nRows, nF, trainRows, p.maxBins);
  const nReal = Int32Array.from(mapper.edges, (e) => e.length + 1);
  const part = (r: Int32Array): Part => ({
    bins: applyBins(mapper, input.x, input.nRows, r),
    y: Float64Array.from(r, (i) => input.y[i]!),
    pred: new Float64Array(r.length),
    all: Int32Array.from({ length: r.length }, (_, i) => i),
  });
  const T = part(trainRows);
  const V = part(validRows);
  const base = Math.fround(obj.baseScore(T.y, T.all));
  T.pred.fill(base);
  V.pred.fill(base);
  const grad = new Float64Array(T.y.length);
  const hess = new Float64Array(T.y.length);
  const data: GrowData = { bins: T.bins, nF, nReal, edges: mapper.edges, grad, hess };
  const grow: GrowParams = { ...p, colsampleByNode: 1 };
  const rng = mulberry32(p.seed);
  const eta = p.learningRate;
  const resid = new Float64Array(T.y.length);
  const leafValue =
    obj.name === 'quantile'
      ? (idx: Uint32Array, s: number, e: number) => {
          for (let i = s; i < e; i++) resid[i - s] = T.y[idx[i]!]! - T.pred[idx[i]!]!;
          return eta * quantileOf(resid.subarray(0, e - s), p.alpha);
        }
      : (_i: Uint32Array, _s: number, _e: number, G: number, H: number) => (-eta * G) / (H + p.lambda);

  const trees: Tree[] = [];
  const trainLoss: number[] = [];
  const validLoss: number[] = [];
  let best = Infinity, bestIt = -1;
  const nColTree = Math.max(1, Math.round(p.colsampleByTree * nF));
  const idxAll = Uint32Array.from({ length: T.y.length }, (_, i) => i);
  for (let it = 0; it < p.nEstimators; it++) {
    obj.gradients(T.y, T.pred, grad, hess);
    let idx = idxAll.slice();
    if (p.subsample < 1) {
      let w = 0;
      for (let i = 0; i < idxAll.length; i++) if (rng() < p.subsample) idx[w++] = i;
      idx = idx.slice(0, Math.max(w, 1));
    }
    const feats = nColTree >= nF ? Int32Array.from({ length: nF }, (_, i) => i) : sampleIndices(nF, nColTree, rng);
    const tree = growTree(data, idx, feats, grow, rng, leafValue);
    trees.push(tree);
    for (let r = 0; r < T.y.length; r++) T.pred[r]! += tree.value[leafOfBins(tree, T.bins, nF, r)]!;
    for (let r = 0; r < V.y.length; r++) V.pred[r]! += tree.value[leafOfBins(tree, V.bins, nF, r)]!;
    trainLoss.push(obj.loss(T.y, T.pred, T.all));
    if (nValid > 0) {
      const l = obj.loss(V.y, V.pred, V.all);
      validLoss.push(l);
      if (l < best - 1e-12) (best = l), (bestIt = it);
      else if (it - bestIt >= p.earlyStoppingRounds) break;
    }
  }
  const keep = nValid > 0 ? bestIt + 1 : trees.length;
  const kept = trees.slice(0, keep).map((t) => ({ ...t, bin: undefined }));
  return {
    ensemble: { nFeatures: nF, featureNames: input.featureNames, base, aggregate: 'sum', postTransform: p.objective === 'logistic' ? 'logistic' : 'none', trees: kept },
    bestIteration: keep - 1,
    trainLoss,
    validLoss,
  };
}
