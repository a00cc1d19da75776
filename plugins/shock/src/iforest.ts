/**
 * Isolation forest (Liu, Ting & Zhou 2008): random axis-aligned splits isolate rare points in few steps.
 * Each tree is grown on a subsample of `sampleSize` rows to depth ceil(log2 sampleSize); a point's path
 * length h(x) (plus the average path c(size) of the unbuilt subtree at the leaf it lands in) is averaged
 * over trees and mapped to the standard score s(x) = 2^(-E[h(x)] / c(sampleSize)) in (0, 1): near 1 for
 * anomalies, around 0.5 or below for ordinary points. Splits are uniform between a node's min and max,
 * so the score is invariant to per-feature affine rescaling (no standardisation needed).
 */

const EULER = 0.5772156649015329;

/** Average path length of an unsuccessful BST search among n points, c(n); the iforest normaliser. */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER) - (2 * (n - 1)) / n;
}

/** One tree as flat arrays; node 0 is the root. Leaves have feature -1 and carry their sample size. */
interface Tree {
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  /** Path-length credit of a leaf: depth + c(size) (0 for inner nodes). */
  leafPath: Float64Array;
}

export interface IsolationForestOptions {
  /** Number of trees. Default 100. */
  trees?: number;
  /** Subsample per tree (psi). Default 256, capped at the row count. */
  sampleSize?: number;
}

/**
 * A fitted isolation forest over d-dimensional rows.
 * @example
 * const f = IsolationForest.fit(rows, n, d, seededRandom(1));
 * const s = f.score(x); // > 0.6 is anomalous
 */
export class IsolationForest {
  private constructor(
    private readonly trees: Tree[],
    readonly dims: number,
    /** c(psi): the normaliser of the mean path length. */
    readonly norm: number,
  ) {}

  /**
   * Fit on `n` rows of `d` values stored row-major in `data` (all finite), drawing subsamples and splits
   * from `rng` (uniform [0, 1)), so a seeded rng gives the same forest every time.
   */
  static fit(data: ArrayLike<number>, n: number, d: number, rng: () => number, o: IsolationForestOptions = {}): IsolationForest {
    if (n < 2) throw new RangeError(`isolation forest needs at least 2 rows (got ${n})`);
    const nTrees = o.trees ?? 100;
    const psi = Math.min(o.sampleSize ?? 256, n);
    const maxDepth = Math.ceil(Math.log2(Math.max(2, psi)));
    const perm = new Int32Array(n);
    const trees: Tree[] = [];
    const order = new Int32Array(d);
    for (let t = 0; t < nTrees; t++) {
      // partial Fisher-Yates: the first psi entries of perm are a uniform sample without replacement
      for (let i = 0; i < n; i++) perm[i] = i;
      for (let i = 0; i < psi; i++) {
        const j = i + Math.floor(rng() * (n - i));
        const tmp = perm[i]!;
        perm[i] = perm[j]!;
        perm[j] = tmp;
      }
      const idx = perm.slice(0, psi);
      const cap = 2 * psi;
      const tree: Tree = {
        feature: new Int32Array(cap),
        threshold: new Float64Array(cap),
        left: new Int32Array(cap),
        right: new Int32Array(cap),
        leafPath: new Float64Array(cap),
      };
      let nodes = 0;
      const grow = (from: number, to: number, depth: number): number => {
        const id = nodes++;
        const size = to - from;
        const leaf = () => {
          tree.feature[id] = -1;
          tree.leafPath[id] = depth + averagePathLength(size);
          return id;
        };
        if (size <= 1 || depth >= maxDepth) return leaf();
        // features in random order; the first that still varies in this node is split (sklearn's rule,
        // without scanning every feature's range at every node)
        for (let k = 0; k < d; k++) order[k] = k;
        let f = -1, a = 0, b = 0;
        for (let k = 0; k < d && f < 0; k++) {
          const j = k + Math.floor(rng() * (d - k));
          const cand = order[j]!;
          order[j] = order[k]!;
          order[k] = cand;
          let mn = Infinity, mx = -Infinity;
          for (let i = from; i < to; i++) {
            const v = data[idx[i]! * d + cand]!;
            if (v < mn) mn = v;
            if (v > mx) mx = v;
          }
          if (mx > mn) (f = cand), (a = mn), (b = mx);
        }
        if (f < 0) return leaf();
        let thr = a + rng() * (b - a);
        if (!(thr > a)) thr = (a + b) / 2;
        // partition idx[from..to) into < thr | >= thr
        let i = from, j = to - 1;
        while (i <= j) {
          if (data[idx[i]! * d + f]! < thr) i++;
          else {
            const tmp = idx[i]!;
            idx[i] = idx[j]!;
            idx[j] = tmp;
            j--;
          }
        }
        tree.feature[id] = f;
        tree.threshold[id] = thr;
        const l = grow(from, i, depth + 1);
        const r = grow(i, to, depth + 1);
        tree.left[id] = l;
        tree.right[id] = r;
        return id;
      };
      grow(0, psi, 0);
      trees.push(tree);
    }
    return new IsolationForest(trees, d, averagePathLength(psi));
  }

  /** Mean path length E[h(x)] of the row starting at `off` in `x`. */
  pathLength(x: ArrayLike<number>, off = 0): number {
    let sum = 0;
    for (const t of this.trees) {
      let node = 0;
      while (t.feature[node]! >= 0) node = x[off + t.feature[node]!]! < t.threshold[node]! ? t.left[node]! : t.right[node]!;
      sum += t.leafPath[node]!;
    }
    return sum / this.trees.length;
  }

  /** Anomaly score s(x) = 2^(-E[h(x)] / c(psi)) in (0, 1); NaN if any value of x is not finite. */
  score(x: ArrayLike<number>, off = 0): number {
    for (let k = 0; k < this.dims; k++) if (!Number.isFinite(x[off + k]!)) return Number.NaN;
    return 2 ** (-this.pathLength(x, off) / this.norm);
  }
}
