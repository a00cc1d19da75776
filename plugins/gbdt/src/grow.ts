/**
 * The one tree builder both learners use (boosting and the random forest). Grows depth-wise (every node
 * of a level, up to maxDepth) or leaf-wise (always the leaf with the largest gain, up to maxLeaves),
 * partitioning a row-index array in place and reusing parent histograms by subtraction.
 */
import { MISSING_BIN } from './binning.js';
import { bestSplit, buildHistogram, HIST_STRIDE, subtractHistogram, type Split, type SplitParams } from './histogram.js';
import { sampleIndices, type Rng } from './rng.js';
import { TreeBuffer, type Tree } from './tree.js';

export interface GrowParams extends SplitParams {
  growPolicy: 'depthwise' | 'leafwise';
  /** Maximum depth (root = 0); leaf-wise growth also honours it. */
  maxDepth: number;
  /** Maximum leaves; 0 = unlimited (depth-wise default). */
  maxLeaves: number;
  /** Fraction of the tree's features tried at each node (random forest); 1 = all. */
  colsampleByNode: number;
}

export interface GrowData {
  /** Row-major bins, rows x nF. */
  bins: Uint8Array;
  nF: number;
  /** Number of real (non-missing) bins per feature. */
  nReal: Int32Array;
  /** Float32 edges per feature, to store thresholds. */
  edges: readonly Float32Array[];
  grad: Float64Array;
  hess: Float64Array;
  /** Free histogram buffers, reused across nodes and trees (saves allocation and GC). */
  pool?: Float64Array[];
}

interface Pending {
  node: number;
  start: number;
  end: number;
  depth: number;
  G: number;
  H: number;
  hist: Float64Array | null;
  split: Split | null;
}

/** Leaf value for rows idx[start..end) with sums (G, H); the caller may override (quantile refit). */
export type LeafValue = (idx: Uint32Array, start: number, end: number, G: number, H: number) => number;

/**
 * Grow one tree on rows idx (modified: partitioned by leaf). `feats` are the features this tree may use.
 */
export function growTree(data: GrowData, idx: Uint32Array, feats: Int32Array, p: GrowParams, rng: Rng, leafValue: LeafValue): Tree {
  const { bins, nF, nReal, grad, hess } = data;
  const allFeats = feats.length === nF ? null : feats;
  const pool: Float64Array[] = (data.pool ??= []);
  const take = () => pool.pop()?.fill(0) ?? new Float64Array(nF * HIST_STRIDE);
  const tmp = new Uint32Array(idx.length);
  const buf = new TreeBuffer();
  const maxLeaves = p.maxLeaves > 0 ? p.maxLeaves : Infinity;
  const canSplit = (c: Pending) => c.depth < p.maxDepth && c.H >= 2 * p.minChildWeight && c.end - c.start >= 2;
  const nodeFeats = (): Int32Array => {
    if (p.colsampleByNode >= 1) return feats;
    const k = Math.max(1, Math.round(p.colsampleByNode * feats.length));
    return sampleIndices(feats.length, k, rng).map((j) => feats[j]!);
  };
  const findSplit = (c: Pending) => {
    c.split = c.hist ? bestSplit(c.hist, nodeFeats(), nReal, c.G, c.H, p) : null;
  };

  let G = 0, H = 0;
  for (let i = 0; i < idx.length; i++) (G += grad[idx[i]!]!, H += hess[idx[i]!]!);
  const root: Pending = { node: buf.add(), start: 0, end: idx.length, depth: 0, G, H, hist: null, split: null };
  if (canSplit(root)) {
    root.hist = take();
    buildHistogram(root.hist, bins, nF, idx, 0, idx.length, grad, hess, allFeats);
    findSplit(root);
  }
  const open: Pending[] = [root];
  let leaves = 1;
  const finish = (c: Pending) => {
    buf.value[c.node] = leafValue(idx, c.start, c.end, c.G, c.H);
    if (c.hist) pool.push(c.hist);
  };

  while (open.length > 0) {
    // depth-wise: first in, first out (level order); leaf-wise: the best gain next.
    let k = 0;
    if (p.growPolicy === 'leafwise') {
      for (let i = 1; i < open.length; i++) if ((open[i]!.split?.gain ?? -1) > (open[k]!.split?.gain ?? -1)) k = i;
    }
    const c = open.splice(k, 1)[0]!;
    const s = c.split;
    if (!s || leaves >= maxLeaves) {
      finish(c);
      continue;
    }
    // partition rows: left in place, right via tmp
    const thrBin = s.bin, f = s.feature, dl = s.defaultLeft;
    let w = c.start, t = 0;
    for (let i = c.start; i < c.end; i++) {
      const r = idx[i]!;
      const b = bins[r * nF + f]!;
      if (b === MISSING_BIN ? dl : b <= thrBin) idx[w++] = r;
      else tmp[t++] = r;
    }
    idx.set(tmp.subarray(0, t), w);
    const n = c.node;
    buf.feature[n] = f;
    buf.bin[n] = thrBin;
    buf.threshold[n] = data.edges[f]![thrBin]!;
    buf.defaultLeft[n] = dl ? 1 : 0;
    buf.gain[n] = s.gain;
    const L: Pending = { node: buf.add(), start: c.start, end: w, depth: c.depth + 1, G: s.gL, H: s.hL, hist: null, split: null };
    const R: Pending = { node: buf.add(), start: w, end: c.end, depth: c.depth + 1, G: c.G - s.gL, H: c.H - s.hL, hist: null, split: null };
    buf.left[n] = L.node;
    buf.right[n] = R.node;
    leaves++;
    const needL = canSplit(L), needR = canSplit(R);
    if (needL || needR) {
      const [small, large] = L.end - L.start <= R.end - R.start ? [L, R] : [R, L];
      small.hist = take();
      buildHistogram(small.hist, bins, nF, idx, small.start, small.end, grad, hess, allFeats);
      large.hist = c.hist!;
      subtractHistogram(large.hist, small.hist, allFeats, nF);
      c.hist = null;
      if (!canSplit(small)) (pool.push(small.hist), (small.hist = null));
      if (!canSplit(large)) (pool.push(large.hist), (large.hist = null));
      findSplit(L);
      findSplit(R);
    } else if (c.hist) {
      pool.push(c.hist);
    }
    open.push(L, R);
  }
  return buf.finish();
}
