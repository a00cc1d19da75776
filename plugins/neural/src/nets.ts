/**
 * The two networks, as parameter sets plus a forward pass on the tape. Both map a batch of B windows
 * (standardised features, x[(b * L + t) * F + f], oldest row first, the forecast row last) to zHat [B x 1].
 *
 * - LSTM: one layer, gates = x_t Wx + h_{t-1} Wh + b with column blocks (i, f, g, o) of width H;
 *   c_t = f * c_{t-1} + i * g, h_t = o * tanh(c_t); zHat = h_L Wy + by. Forget-gate bias starts at 1.
 * - Transformer (post-LN encoder layer): e = x Win + bin + P; a = MHA(e); n1 = LN(e + a Wo + bo);
 *   n2 = LN(n1 + relu(n1 W1 + b1) W2 + b2); zHat = pool(n2) Wy + by, pool = mean over the window or
 *   its last row. P is learned or fixed sinusoidal.
 *
 * Weight layouts are "x times W" ([in x out]); the ONNX exporter transposes/reorders what its ops need.
 */
import { Tape, constant, param, type Tensor } from './tape.js';

export type Arch =
  | { kind: 'lstm'; hidden: number }
  | { kind: 'transformer'; dModel: number; heads: number; ffn: number; pooling: 'mean' | 'last'; positional: 'learned' | 'sinusoidal' };

export interface Net {
  readonly arch: Arch;
  /** Window length L and features per row F. */
  readonly L: number;
  readonly F: number;
  /** All weights by name, in a fixed order (the ONNX initializers carry the same names). */
  readonly weights: Map<string, Tensor>;
  /** The weights the optimiser moves (all but a fixed sinusoidal P). */
  readonly trainable: Tensor[];
  /** zHat [B x 1] for B windows. */
  forward(tape: Tape, x: Float64Array, B: number): Tensor;
}

/** Shapes of every weight, in order. */
export function weightShapes(arch: Arch, L: number, F: number): [string, number, number][] {
  if (arch.kind === 'lstm') {
    const H = arch.hidden;
    return [['Wx', F, 4 * H], ['Wh', H, 4 * H], ['b', 1, 4 * H], ['Wy', H, 1], ['by', 1, 1]];
  }
  const D = arch.dModel, M = arch.ffn;
  return [
    ['Win', F, D], ['bin', 1, D], ['P', L, D],
    ['Wq', D, D], ['bq', 1, D], ['Wk', D, D], ['bk', 1, D], ['Wv', D, D], ['bv', 1, D], ['Wo', D, D], ['bo', 1, D],
    ['g1', 1, D], ['be1', 1, D], ['W1', D, M], ['b1', 1, M], ['W2', M, D], ['b2', 1, D], ['g2', 1, D], ['be2', 1, D],
    ['Wy', D, 1], ['by', 1, 1],
  ];
}

/** Fixed sinusoidal positions (Vaswani et al.): P[t, 2i] = sin(t / 10000^(2i/D)), P[t, 2i+1] = cos(...). */
export function sinusoidal(L: number, D: number): Float64Array {
  const p = new Float64Array(L * D);
  for (let t = 0; t < L; t++)
    for (let j = 0; j < D; j++) {
      const freq = 1 / 10000 ** ((2 * Math.floor(j / 2)) / D);
      p[t * D + j] = j % 2 === 0 ? Math.sin(t * freq) : Math.cos(t * freq);
    }
  return p;
}

/**
 * Build a network; with `values` (e.g. read back from ONNX initializers) the weights are set to them,
 * otherwise initialised from `rand` (Glorot uniform for matrices, zero biases, LN gains 1, a small head).
 */
export function createNet(arch: Arch, L: number, F: number, rand: () => number, values?: ReadonlyMap<string, ArrayLike<number>>): Net {
  const weights = new Map<string, Tensor>();
  for (const [name, r, c] of weightShapes(arch, L, F)) {
    const t = param(r, c);
    const given = values?.get(name);
    if (given) {
      if (given.length !== r * c) throw new RangeError(`weight ${name}: expected ${r * c} values, got ${given.length}`);
      t.v.set(Array.from(given));
    } else if (/^g\d$/.test(name)) t.v.fill(1);
    else if (name === 'P') {
      if (arch.kind === 'transformer' && arch.positional === 'sinusoidal') t.v.set(sinusoidal(L, c));
      else for (let i = 0; i < t.v.length; i++) t.v[i] = (rand() * 2 - 1) * 0.1;
    } else if (r > 1 || name === 'Wy') {
      const a = Math.sqrt(6 / (r + c)) * (name === 'Wy' ? 0.1 : 1);
      for (let i = 0; i < t.v.length; i++) t.v[i] = (rand() * 2 - 1) * a;
    } else if (arch.kind === 'lstm' && name === 'b') t.v.fill(1, arch.hidden, 2 * arch.hidden);
    weights.set(name, t);
  }
  const fixedP = arch.kind === 'transformer' && arch.positional === 'sinusoidal';
  const trainable = [...weights.entries()].filter(([k]) => !(fixedP && k === 'P')).map(([, t]) => t);
  const w = (k: string) => weights.get(k)!;

  if (arch.kind === 'lstm') {
    return {
      arch, L, F, weights, trainable,
      forward(tape, x, B) {
        const h = tape.lstm(x, B, L, F, w('Wx'), w('Wh'), w('b'));
        return tape.linear(h, w('Wy'), w('by'));
      },
    };
  }
  const { heads, pooling } = arch;
  return {
    arch, L, F, weights, trainable,
    forward(tape, x, B) {
      const xs = constant(B * L, F, x.subarray(0, B * L * F));
      const e = tape.addPositions(tape.linear(xs, w('Win'), w('bin')), w('P'), L);
      const q = tape.linear(e, w('Wq'), w('bq'));
      const k = tape.linear(e, w('Wk'), w('bk'));
      const v = tape.linear(e, w('Wv'), w('bv'));
      const a = tape.linear(tape.attention(q, k, v, L, heads), w('Wo'), w('bo'));
      const n1 = tape.layerNorm(tape.add(e, a), w('g1'), w('be1'));
      const ff = tape.linear(tape.relu(tape.linear(n1, w('W1'), w('b1'))), w('W2'), w('b2'));
      const n2 = tape.layerNorm(tape.add(n1, ff), w('g2'), w('be2'));
      return tape.linear(tape.pool(n2, L, pooling), w('Wy'), w('by'));
    },
  };
}

/** Number of scalar weights. */
export const weightCount = (net: Net): number => [...net.weights.values()].reduce((s, t) => s + t.v.length, 0);

/** zHat for n windows, in batches (pure forward, no gradients). */
export function predictWindows(net: Net, x: Float64Array, n: number, batch = 256): Float64Array {
  const out = new Float64Array(n);
  const per = net.L * net.F;
  for (let s = 0; s < n; s += batch) {
    const B = Math.min(batch, n - s);
    const y = net.forward(new Tape(false), x.subarray(s * per, (s + B) * per), B);
    out.set(y.v, s);
  }
  return out;
}
