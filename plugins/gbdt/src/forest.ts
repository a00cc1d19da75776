/**
 * Random forest on the same tree builder: each tree sees a bootstrap sample of the training rows and a
 * random subset of features at every node; leaves are mean targets; the ensemble averages the trees.
 * Tree t draws from its own seed (seed, t), so trees can be grown in any order or in parallel workers
 * and the forest is the same.
 */
import { applyBins, fitBins } from './binning.js';
import { usableRows, type TrainInput } from './boost.js';
import type { TreeEnsemble } from './ensemble.js';
import { growTree, type GrowData } from './grow.js';
import { mulberry32 } from './rng.js';
import type { Tree } from './tree.js';

export interface ForestParams {
  nTrees: number;
  maxDepth: number;
  /** 0 = unlimited; > 0 grows leaf-wise up to this many leaves. */
  maxLeaves: number;
  /** Minimum rows per leaf (hessian is 1 per row). */
  minChildWeight: number;
  /** Fraction of features tried at each node. */
  colsampleByNode: number;
  /** Bootstrap sample size as a fraction of the training rows (drawn with replacement). */
  sampleFraction: number;
  lambda: number;
  maxBins: number;
  seed: number;
}

export const FOREST_DEFAULTS: ForestParams = {
  nTrees: 200,
  maxDepth: 10,
  maxLeaves: 0,
  minChildWeight: 30,
  colsampleByNode: 0.33,
  sampleFraction: 0.5,
  lambda: 0,
  maxBins: 255,
  seed: 1,
};

/** Everything a tree needs; a worker can rebuild it from (x, y, rows, params). */
export interface ForestShared {
  data: GrowData;
  base: number;
  params: ForestParams;
  n: number;
}

export function prepareForest(input: TrainInput, params: Partial<ForestParams> = {}): ForestShared {
  const p: ForestParams = { ...FOREST_DEFAULTS, ...params };
  const rows = usableRows(input);
  if (rows.length < 2) throw new RangeError(`needs at least 2 training rows with a finite target, got ${rows.length}`);
  const nF = input.nFeatures;
  const mapper = fitBins(input.x, input.nRows, nF, rows, p.maxBins);
  const y = Float64Array.from(rows, (i) => input.y[i]!);
  const base = Math.fround(y.reduce((s, v) => s + v, 0) / y.length);
  const grad = Float64Array.from(y, (v) => base - v);
  const hess = new Float64Array(y.length).fill(1);
  const data: GrowData = { bins: applyBins(mapper, input.x, input.nRows, rows), nF, nReal: Int32Array.from(mapper.edges, (e) => e.length + 1), edges: mapper.edges, grad, hess };
  return { data, base, params: p, n: y.length };
}

/** Grow tree number t of the forest (deterministic in (seed, t)). */
export function growForestTree(s: ForestShared, t: number): Tree {
  const p = s.params;
  const rng = mulberry32((p.seed * 0x9e3779b1 + t * 0x85ebca6b) >>> 0);
  const m = Math.max(1, Math.round(p.sampleFraction * s.n));
  const idx = new Uint32Array(m);
  for (let i = 0; i < m; i++) idx[i] = Math.floor(rng() * s.n);
  idx.sort(); // ascending rows read the bin matrix in memory order
  const feats = Int32Array.from({ length: s.data.nF }, (_, i) => i);
  const tree = growTree(
    s.data,
    idx,
    feats,
    { growPolicy: p.maxLeaves > 0 ? 'leafwise' : 'depthwise', maxDepth: p.maxDepth, maxLeaves: p.maxLeaves, minChildWeight: p.minChildWeight, lambda: p.lambda, minSplitGain: 0, colsampleByNode: p.colsampleByNode },
    rng,
    (_i, _s, _e, G, H) => -G / (H + p.lambda),
  );
  return { ...tree, bin: undefined };
}

export function forestEnsemble(s: ForestShared, trees: Tree[], featureNames?: string[]): TreeEnsemble {
  return { nFeatures: s.data.nF, featureNames, base: s.base, aggregate: 'average', postTransform: 'none', trees };
}

/**
 * Fit a random forest (regression, L2 leaves).
 * @example
 * const forest = trainForest({ x, nRows, nFeatures, y }, { nTrees: 100 });
 */
export function trainForest(input: TrainInput, params: Partial<ForestParams> = {}): TreeEnsemble {
  const s = prepareForest(input, params);
  const trees = Array.from({ length: s.params.nTrees }, (_, t) => growForestTree(s, t));
  return forestEnsemble(s, trees, input.featureNames);
}
