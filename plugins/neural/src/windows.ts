/**
 * Windows of consecutive rows, and the standardiser. The window of a row is the L rows ending at it
 * (oldest first). Rows are consecutive when their times are one bar apart (within half a bar); a window
 * never reaches across a break in time or before the first available row: those slots are missing (NaN),
 * which standardisation maps to 0 = the training mean. So a model answers with no history at all,
 * just less informed, and the ONNX graph (fed the same NaN-padded windows) answers the same.
 */
import type { PredictInput, SequenceContext } from '@satcast/core';

/** Training-row mean and sd of each input (float32-rounded, as the ONNX graph holds them). */
export interface Standardiser {
  mean: number[];
  sd: number[];
  /** Standardised values are clipped to [-clip, clip]. */
  clip: number;
}

/** Rows of a sequence: `context` rows (if given) followed by the main rows, as one time line. */
export class Sequence {
  /** Columns over the combined rows, one per input, in input order. */
  readonly cols: Float64Array[];
  /** Index of the first row of the consecutive run each combined row belongs to. */
  readonly runStart: Int32Array;
  /** How many leading combined rows came from the context. */
  readonly offset: number;

  constructor(
    main: { times: Float64Array; features: Readonly<Record<string, Float64Array>> },
    inputs: readonly string[],
    barMs: number,
    context?: SequenceContext,
    maxContext = Infinity,
  ) {
    const ctxOk = context && context.times && context.times.length > 0 ? context : undefined;
    const nc = ctxOk ? Math.min(ctxOk.times.length, maxContext) : 0;
    const c0 = ctxOk ? ctxOk.times.length - nc : 0;
    const n = main.times.length;
    this.offset = nc;
    const times = new Float64Array(nc + n);
    if (ctxOk) times.set(ctxOk.times.subarray(c0), 0);
    times.set(main.times, nc);
    this.cols = inputs.map((name) => {
      const col = new Float64Array(nc + n).fill(Number.NaN);
      const cc = ctxOk?.features[name];
      if (cc) for (let k = 0; k < nc; k++) col[k] = cc[c0 + k] ?? Number.NaN;
      col.set(main.features[name]!.subarray(0, n), nc);
      return col;
    });
    this.runStart = new Int32Array(nc + n);
    for (let k = 1; k < nc + n; k++) {
      const dt = times[k]! - times[k - 1]!;
      this.runStart[k] = dt > 0.5 * barMs && dt < 1.5 * barMs ? this.runStart[k - 1]! : k;
    }
  }

  /**
   * Write the raw windows (NaN where missing) of main rows `rows` into out[(j * L + t) * F + f].
   * @returns out
   */
  windows(rows: ArrayLike<number>, L: number, out = new Float64Array(rows.length * L * this.cols.length)): Float64Array {
    const F = this.cols.length;
    for (let j = 0; j < rows.length; j++) {
      const k = rows[j]! + this.offset;
      const first = this.runStart[k]!;
      for (let t = 0; t < L; t++) {
        const src = k - (L - 1) + t;
        const o = (j * L + t) * F;
        if (src < first) for (let f = 0; f < F; f++) out[o + f] = Number.NaN;
        else for (let f = 0; f < F; f++) out[o + f] = this.cols[f]![src]!;
      }
    }
    return out;
  }
}

/** Mean and sd (population) of each input over rows [start, end) of the columns, ignoring non-finite values. */
export function fitStandardiser(cols: readonly Float64Array[], start: number, end: number, clip: number): Standardiser {
  const mean: number[] = [], sd: number[] = [];
  for (const c of cols) {
    let n = 0, m = 0, s = 0;
    for (let i = Math.max(0, start); i < end; i++) {
      const x = c[i]!;
      if (!Number.isFinite(x)) continue;
      n++;
      const d = x - m;
      m += d / n;
      s += d * (x - m);
    }
    const v = n > 1 ? Math.sqrt(s / n) : 0;
    mean.push(Math.fround(n > 0 ? m : 0));
    sd.push(Math.fround(v > 0 && Number.isFinite(v) ? v : 1));
  }
  return { mean, sd, clip };
}

/**
 * Standardise raw windows in place: (x - mean) / sd, NaN -> 0, clipped to +-clip (±Infinity clips to
 * the bound). The ONNX graph runs the same Sub, Div, IsNaN/Where, Clip.
 */
export function standardise(x: Float64Array, st: Standardiser): Float64Array {
  const F = st.mean.length, c = st.clip;
  for (let i = 0; i < x.length; i++) {
    const f = i % F;
    const s = (x[i]! - st.mean[f]!) / st.sd[f]!;
    x[i] = Number.isNaN(s) ? 0 : s > c ? c : s < -c ? -c : s;
  }
  return x;
}

/**
 * Raw float32 windows [N, L, F] for the ONNX graph (input `x`): the window of each input row, reading
 * the previous rows from `input.context` when given. Missing slots are NaN (the graph imputes them).
 * @example
 * const x = onnxWindows(input, header.inputs, header.sequenceLength, header.barMs);
 * const out = await session.run({ x: new ort.Tensor('float32', x, [n, L, F]) });
 */
export function onnxWindows(input: PredictInput, inputs: readonly string[], L: number, barMs: number): Float32Array {
  const seq = new Sequence(input, inputs, barMs, input.context, L - 1);
  const n = input.times.length;
  return Float32Array.from(seq.windows(Int32Array.from({ length: n }, (_, i) => i), L));
}
