/**
 * A fitted regression tree in flat arrays (the layout ONNX-ML TreeEnsemble uses too). Node i is a leaf
 * when left[i] < 0; otherwise rows with fround(x[feature]) <= threshold go left, NaN goes left when
 * defaultLeft[i] is 1. Leaf values are float32-representable so an ONNX copy sums the same numbers.
 */
export interface Tree {
  feature: Int32Array;
  threshold: Float32Array;
  defaultLeft: Uint8Array;
  left: Int32Array;
  right: Int32Array;
  value: Float64Array;
  /** Split gain per node (0 for leaves): feeds gain importance. */
  gain: Float64Array;
  /** Bin index of each threshold; present only on freshly trained trees (training-time traversal). */
  bin?: Uint8Array;
}

/** JSON-friendly form of a tree (plain arrays). */
export interface TreeJson {
  feature: number[];
  threshold: number[];
  defaultLeft: number[];
  left: number[];
  right: number[];
  value: number[];
  gain: number[];
}

/** Leaf reached by row `r` of a column-major matrix x[f * nRows + r]. */
export function leafOf(t: Tree, x: Float64Array, nRows: number, r: number): number {
  let i = 0;
  const { left, right, feature, threshold, defaultLeft } = t;
  while (left[i]! >= 0) {
    const v = x[feature[i]! * nRows + r]!;
    if (v !== v) i = defaultLeft[i] ? left[i]! : right[i]!;
    else i = Math.fround(v) <= threshold[i]! ? left[i]! : right[i]!;
  }
  return i;
}

export function treeToJson(t: Tree): TreeJson {
  return {
    feature: Array.from(t.feature),
    threshold: Array.from(t.threshold),
    defaultLeft: Array.from(t.defaultLeft),
    left: Array.from(t.left),
    right: Array.from(t.right),
    value: Array.from(t.value),
    gain: Array.from(t.gain),
  };
}

export function treeFromJson(j: TreeJson): Tree {
  return {
    feature: Int32Array.from(j.feature),
    threshold: Float32Array.from(j.threshold),
    defaultLeft: Uint8Array.from(j.defaultLeft),
    left: Int32Array.from(j.left),
    right: Int32Array.from(j.right),
    value: Float64Array.from(j.value),
    gain: Float64Array.from(j.gain ?? j.value.map(() => 0)),
  };
}

/** Growable node storage used while building. */
export class TreeBuffer {
  feature: number[] = [];
  threshold: number[] = [];
  bin: number[] = [];
  defaultLeft: number[] = [];
  left: number[] = [];
  right: number[] = [];
  value: number[] = [];
  gain: number[] = [];

  add(): number {
    this.feature.push(-1);
    this.threshold.push(0);
    this.bin.push(0);
    this.defaultLeft.push(0);
    this.left.push(-1);
    this.right.push(-1);
    this.value.push(0);
    this.gain.push(0);
    return this.feature.length - 1;
  }

  finish(): Tree {
    return {
      feature: Int32Array.from(this.feature),
      threshold: Float32Array.from(this.threshold),
      defaultLeft: Uint8Array.from(this.defaultLeft),
      left: Int32Array.from(this.left),
      right: Int32Array.from(this.right),
      value: Float64Array.from(this.value, Math.fround),
      gain: Float64Array.from(this.gain),
      bin: Uint8Array.from(this.bin),
    };
  }
}

/** Leaf reached by row r of row-major bins (training rows): same branches as `leafOf` by construction. */
export function leafOfBins(t: Tree, bins: Uint8Array, nF: number, r: number): number {
  let i = 0;
  const { left, right, feature, defaultLeft } = t;
  const bin = t.bin!;
  const base = r * nF;
  while (left[i]! >= 0) {
    const b = bins[base + feature[i]!]!;
    i = (b === 255 ? defaultLeft[i] === 1 : b <= bin[i]!) ? left[i]! : right[i]!;
  }
  return i;
}
