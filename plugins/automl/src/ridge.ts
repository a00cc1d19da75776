/**
 * The default CV learner: ridge regression of the volatility-standardised return z = y / (vol * sqrt(h))
 * on clipped standardised features (as the `ridge` model plugin fits it), scored by the MAE of z.
 *
 * Feature selection scores hundreds of subsets on the same folds, so a fold is prepared once for all
 * candidates (standardised columns, their centred Gram matrix and X'z) and a subset is then a k x k
 * Cholesky solve plus one pass over the validation rows. The solver is a few lines here rather than an
 * import: plugins do not import each other (DESIGN.md), and subset solves from a cached Gram are not what
 * the linear plugin's row-wise normal equations do.
 */
import { HORIZON_MS, type TrainingSet } from '@satcast/core';
import { horizonBars, labelledLength, purgedFolds, sliceRows, type CvLearner } from './cv.js';

export interface RidgeCvOptions {
  /** L2 penalty on the standardised coefficients (default 1, sum-of-squares scale). */
  alpha?: number;
  /** One-bar volatility feature that standardises the target; absent -> the training std of y. */
  volFeature?: string;
  barMs?: number;
  /** Standardised inputs are clipped to +-clip (default 5). */
  clip?: number;
  /** Training z is clipped to +-targetClip (default 8): fat tails. */
  targetClip?: number;
}

/** One fold prepared for any subset of the candidate features. */
export interface PreparedFold {
  p: number;
  gram: Float64Array;
  xz: Float64Array;
  zMean: number;
  /** Validation design, centred with the training means, row-major nValid x p. */
  valid: Float64Array;
  zValid: Float64Array;
}

function scaleOf(rows: TrainingSet, o: RidgeCvOptions, trainY?: Float64Array): (i: number) => number {
  const sh = Math.sqrt(HORIZON_MS[rows.horizon] / (o.barMs ?? 3_600_000));
  const vol = o.volFeature === undefined ? undefined : rows.features[o.volFeature];
  if (vol) return (i) => (vol[i]! > 0 ? vol[i]! * sh : Number.NaN);
  let s = 0, n = 0;
  for (const y of trainY ?? []) if (Number.isFinite(y)) { s += y * y; n++; }
  const sd = n > 1 ? Math.sqrt(s / n) : 1;
  return () => sd || 1;
}

/** Standardise, centre and accumulate the Gram matrix of `names` on `train`; design `valid` alike. */
export function prepareFold(train: TrainingSet, valid: TrainingSet, names: readonly string[], o: RidgeCvOptions = {}): PreparedFold {
  const clip = o.clip ?? 5, tclip = o.targetClip ?? 8;
  const p = names.length;
  const sTrain = scaleOf(train, o, train.target);
  const rowsT: number[] = [];
  const z: number[] = [];
  for (let i = 0; i < train.target.length; i++) {
    const v = train.target[i]! / sTrain(i);
    if (Number.isFinite(v)) { rowsT.push(i); z.push(Math.max(-tclip, Math.min(tclip, v))); }
  }
  const n = rowsT.length;
  const cols = names.map((f) => train.features[f] ?? new Float64Array(train.target.length).fill(Number.NaN));
  const mean = new Float64Array(p), sd = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    let s = 0, ss = 0, c = 0;
    for (const i of rowsT) { const x = cols[j]![i]!; if (Number.isFinite(x)) { s += x; ss += x * x; c++; } }
    mean[j] = c ? s / c : 0;
    sd[j] = c > 1 ? Math.sqrt(Math.max(0, ss / c - mean[j]! ** 2)) : 0;
  }
  const std = (x: number, j: number) => (Number.isFinite(x) && sd[j]! > 1e-300 ? Math.max(-clip, Math.min(clip, (x - mean[j]!) / sd[j]!)) : 0);
  const u = new Float64Array(n * p);
  const uMean = new Float64Array(p);
  for (let r = 0; r < n; r++) for (let j = 0; j < p; j++) { const v = std(cols[j]![rowsT[r]!]!, j); u[r * p + j] = v; uMean[j] += v / n; }
  const zMean = n ? z.reduce((a, b) => a + b, 0) / n : 0;
  const gram = new Float64Array(p * p), xz = new Float64Array(p);
  const row = new Float64Array(p);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < p; j++) row[j] = u[r * p + j]! - uMean[j]!;
    const zc = z[r]! - zMean;
    for (let j = 0; j < p; j++) {
      const a = row[j]!;
      xz[j] += a * zc;
      for (let k = j; k < p; k++) gram[j * p + k] += a * row[k]!;
    }
  }
  for (let j = 0; j < p; j++) for (let k = 0; k < j; k++) gram[j * p + k] = gram[k * p + j]!;
  const sValid = scaleOf(valid, o, train.target);
  const vcols = names.map((f) => valid.features[f]);
  const vRows: number[] = [], zv: number[] = [];
  for (let i = 0; i < valid.target.length; i++) {
    const v = valid.target[i]! / sValid(i);
    if (Number.isFinite(v)) { vRows.push(i); zv.push(v); }
  }
  const vd = new Float64Array(vRows.length * p);
  for (let r = 0; r < vRows.length; r++) for (let j = 0; j < p; j++) vd[r * p + j] = std(vcols[j] ? vcols[j]![vRows[r]!]! : Number.NaN, j) - uMean[j]!;
  return { p, gram, xz, zMean, valid: vd, zValid: Float64Array.from(zv) };
}

/** Solve the symmetric positive-definite system A w = b (k x k, row-major) by Cholesky. */
export function cholesky(a: Float64Array, b: Float64Array, k: number): Float64Array {
  const l = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * k + j]!;
      for (let m = 0; m < j; m++) s -= l[i * k + m]! * l[j * k + m]!;
      l[i * k + j] = i === j ? Math.sqrt(Math.max(s, 1e-12)) : s / l[j * k + j]!;
    }
  }
  const y = new Float64Array(k);
  for (let i = 0; i < k; i++) { let s = b[i]!; for (let m = 0; m < i; m++) s -= l[i * k + m]! * y[m]!; y[i] = s / l[i * k + i]!; }
  const w = new Float64Array(k);
  for (let i = k - 1; i >= 0; i--) { let s = y[i]!; for (let m = i + 1; m < k; m++) s -= l[m * k + i]! * w[m]!; w[i] = s / l[i * k + i]!; }
  return w;
}

/** Validation MAE of z for the ridge fit on the candidate columns `idx` of a prepared fold. */
export function subsetLoss(f: PreparedFold, idx: readonly number[], alpha = 1): number {
  const k = idx.length;
  const a = new Float64Array(k * k), b = new Float64Array(k);
  for (let r = 0; r < k; r++) {
    b[r] = f.xz[idx[r]!]!;
    for (let c = 0; c < k; c++) a[r * k + c] = f.gram[idx[r]! * f.p + idx[c]!]!;
    a[r * k + r] += alpha + 1e-9;
  }
  const w = k ? cholesky(a, b, k) : b;
  const nv = f.zValid.length;
  if (nv === 0) return Number.NaN;
  let loss = 0;
  for (let i = 0; i < nv; i++) {
    let pred = f.zMean;
    for (let r = 0; r < k; r++) pred += w[r]! * f.valid[i * f.p + idx[r]!]!;
    loss += Math.abs(f.zValid[i]! - pred);
  }
  return loss / nv;
}

/**
 * The default CV learner: ridge on every feature of the rows (or `features`), loss = MAE of z.
 * @example
 * await purgedTimeSeriesCv(rows, ridgeLearner({ volFeature: 'ewma_vol' }), { folds: 5 });
 */
export function ridgeLearner(o: RidgeCvOptions & { features?: readonly string[] } = {}): CvLearner {
  return (train, valid) => {
    const names = o.features ?? Object.keys(train.features).filter((f) => f !== o.volFeature);
    return subsetLoss(prepareFold(train, valid, names, o), names.map((_, i) => i), o.alpha ?? 1);
  };
}

/** Subset score: mean CV loss and the per-fold losses. */
export interface SubsetScore {
  mean: number;
  folds: number[];
}

/**
 * A fast `score(featureSet)` for sequential forward selection: the folds are prepared once for all
 * candidates; each call is then k x k solves. Same numbers as `purgedTimeSeriesCv(rows restricted to the
 * set, ridgeLearner(o))`.
 * @example
 * const score = ridgeSubsetScorer(rows, candidates, { folds: 4, volFeature: 'ewma_vol' });
 * await sequentialForwardSelection(candidates, score, { maxFeatures: 20 });
 */
export function ridgeSubsetScorer(
  rows: TrainingSet,
  candidates: readonly string[],
  o: RidgeCvOptions & { folds?: number; gapRows?: number } = {},
): (set: readonly string[]) => SubsetScore {
  const splits = purgedFolds(labelledLength(rows), { folds: o.folds ?? 5, gapRows: o.gapRows ?? horizonBars(rows, o.barMs) });
  const prepared = splits.map((s) => prepareFold(sliceRows(rows, 0, s.trainEnd), sliceRows(rows, s.validStart, s.validEnd), candidates, o));
  const index = new Map(candidates.map((c, i) => [c, i]));
  return (set) => {
    const idx = set.map((f) => {
      const i = index.get(f);
      if (i === undefined) throw new Error(`feature "${f}" is not a candidate of this scorer`);
      return i;
    });
    const folds = prepared.map((f) => subsetLoss(f, idx, o.alpha ?? 1));
    return { mean: folds.reduce((a, b) => a + b, 0) / folds.length, folds };
  };
}
