/**
 * A fitted tree ensemble (boosted or bagged) and its prediction. Input is a column-major Float64Array
 * (features x rows: x[f * nRows + r]), NaN = missing. Raw score = base + sum of leaves (boosting) or
 * base + mean of leaves (forest); a logistic ensemble maps it through the sigmoid.
 */
import { sigmoid } from './objectives.js';
import { leafOf, treeFromJson, treeToJson, type Tree, type TreeJson } from './tree.js';

export interface TreeEnsemble {
  nFeatures: number;
  featureNames?: string[];
  /** float32-representable starting score. */
  base: number;
  aggregate: 'sum' | 'average';
  postTransform: 'none' | 'logistic';
  trees: Tree[];
}

export interface TreeEnsembleJson extends Omit<TreeEnsemble, 'trees'> {
  trees: TreeJson[];
}

/** Raw scores (before any logistic), one per row. */
export function predictRaw(e: TreeEnsemble, x: Float64Array, nRows: number): Float64Array {
  if (x.length !== e.nFeatures * nRows) {
    throw new RangeError(`matrix has ${x.length} values, expected ${e.nFeatures} features x ${nRows} rows`);
  }
  const out = new Float64Array(nRows);
  const scale = e.aggregate === 'average' && e.trees.length > 0 ? 1 / e.trees.length : 1;
  for (let r = 0; r < nRows; r++) {
    let s = 0;
    for (const t of e.trees) s += t.value[leafOf(t, x, nRows, r)]!;
    out[r] = e.base + s * scale;
  }
  return out;
}

/** Predictions: raw scores, or probabilities for a logistic ensemble. */
export function predict(e: TreeEnsemble, x: Float64Array, nRows: number): Float64Array {
  const raw = predictRaw(e, x, nRows);
  if (e.postTransform === 'logistic') for (let i = 0; i < raw.length; i++) raw[i] = sigmoid(raw[i]!);
  return raw;
}

/** Total split gain per feature, normalised to sum 1 (all zeros when no tree split). */
export function featureImportance(e: TreeEnsemble): Float64Array {
  const imp = new Float64Array(e.nFeatures);
  for (const t of e.trees) for (let i = 0; i < t.feature.length; i++) if (t.left[i]! >= 0) imp[t.feature[i]!]! += t.gain[i]!;
  const total = imp.reduce((s, v) => s + v, 0);
  if (total > 0) for (let f = 0; f < imp.length; f++) imp[f]! /= total;
  return imp;
}

export function ensembleToJson(e: TreeEnsemble): TreeEnsembleJson {
  return { ...e, trees: e.trees.map(treeToJson) };
}

export function ensembleFromJson(j: TreeEnsembleJson): TreeEnsemble {
  return { ...j, trees: j.trees.map(treeFromJson) };
}

/** Column-major matrix from named columns (missing column -> error naming it). */
export function toMatrix(columns: Readonly<Record<string, ArrayLike<number>>>, names: readonly string[], nRows: number): Float64Array {
  const x = new Float64Array(names.length * nRows);
  names.forEach((name, f) => {
    const c = columns[name];
    if (!c) throw new RangeError(`missing feature column "${name}"`);
    for (let r = 0; r < nRows; r++) x[f * nRows + r] = c[r]!;
  });
  return x;
}
