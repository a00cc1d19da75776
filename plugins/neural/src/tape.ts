/**
 * A tiny reverse-mode autodiff ("tape") over row-major float64 matrices, just big enough for the two
 * networks of this package. Every op computes its output eagerly and, when the tape records gradients,
 * pushes a closure that adds the output's gradient into its parents' gradients; `backward` replays the
 * closures in reverse. Ops are fused where that saves allocation and keeps the maths checkable
 * (`linear` = matmul + bias, `attention` = scaled dot-product softmax attention per sample and head,
 * `layerNorm` per row). Correctness is pinned by a finite-difference gradient check (tape.test.ts).
 *
 * Why not tfjs: a ~1 MB dependency (plus native bindings for speed) for two 2-5k-parameter networks;
 * this file is what the networks need and runs the same in Node, workerd and browsers.
 */

/** A [rows x cols] row-major matrix with an optional gradient of the same shape. */
export interface Tensor {
  readonly rows: number;
  readonly cols: number;
  readonly v: Float64Array;
  /** Gradient accumulator; null when nothing upstream needs it (constants, no-grad tapes). */
  g: Float64Array | null;
}

/** A constant (input data): no gradient. */
export function constant(rows: number, cols: number, v?: Float64Array): Tensor {
  return { rows, cols, v: v ?? new Float64Array(rows * cols), g: null };
}

/** A trainable parameter: always has a gradient. */
export function param(rows: number, cols: number, v?: Float64Array): Tensor {
  return { rows, cols, v: v ?? new Float64Array(rows * cols), g: new Float64Array(rows * cols) };
}

/** Records ops; `new Tape(false)` is a pure forward pass (no closures, no gradient buffers). */
export class Tape {
  private readonly steps: (() => void)[] = [];
  constructor(readonly recording = true) {}

  private out(rows: number, cols: number, ...parents: Tensor[]): Tensor {
    const needs = this.recording && parents.some((p) => p.g !== null);
    return { rows, cols, v: new Float64Array(rows * cols), g: needs ? new Float64Array(rows * cols) : null };
  }

  private record(y: Tensor, fn: () => void): Tensor {
    if (y.g) this.steps.push(fn);
    return y;
  }

  /** Propagate: the caller has set `y.g` (dLoss/dy) on the output; gradients accumulate into params. */
  backward(): void {
    for (let i = this.steps.length - 1; i >= 0; i--) this.steps[i]!();
    this.steps.length = 0;
  }

  /** A x W (+ b): A [m x k], W [k x n], b [1 x n]. */
  linear(a: Tensor, w: Tensor, b?: Tensor): Tensor {
    const m = a.rows, k = a.cols, n = w.cols;
    if (w.rows !== k) throw new RangeError(`linear: ${m}x${k} times ${w.rows}x${n}`);
    const y = this.out(m, n, a, w, ...(b ? [b] : []));
    const A = a.v, W = w.v, Y = y.v;
    gemm(A, 0, m, k, transpose(W, k, n), 0, n, Y, 0);
    if (b) for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) Y[i * n + j]! += b.v[j]!;
    return this.record(y, () => {
      const G = y.g!;
      // dA = G W^T: W [k x n] is already "W^T transposed"; dW = A^T G
      if (a.g) gemm(G, 0, m, n, W, 0, k, a.g, 0, true);
      if (w.g) gemm(transpose(A, m, k), 0, k, m, transpose(G, m, n), 0, n, w.g, 0, true);
      if (b?.g) {
        const GB = b.g;
        for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) GB[j]! += G[i * n + j]!;
      }
    });
  }

  add(a: Tensor, b: Tensor): Tensor {
    const y = this.out(a.rows, a.cols, a, b);
    for (let i = 0; i < y.v.length; i++) y.v[i] = a.v[i]! + b.v[i]!;
    return this.record(y, () => {
      const G = y.g!;
      if (a.g) for (let i = 0; i < G.length; i++) a.g[i]! += G[i]!;
      if (b.g) for (let i = 0; i < G.length; i++) b.g[i]! += G[i]!;
    });
  }

  mul(a: Tensor, b: Tensor): Tensor {
    const y = this.out(a.rows, a.cols, a, b);
    for (let i = 0; i < y.v.length; i++) y.v[i] = a.v[i]! * b.v[i]!;
    return this.record(y, () => {
      const G = y.g!;
      if (a.g) for (let i = 0; i < G.length; i++) a.g[i]! += G[i]! * b.v[i]!;
      if (b.g) for (let i = 0; i < G.length; i++) b.g[i]! += G[i]! * a.v[i]!;
    });
  }

  /** Columns [start, start + n) of a. */
  cols(a: Tensor, start: number, n: number): Tensor {
    const y = this.out(a.rows, n, a);
    for (let i = 0; i < a.rows; i++) for (let j = 0; j < n; j++) y.v[i * n + j] = a.v[i * a.cols + start + j]!;
    return this.record(y, () => {
      const G = y.g!;
      for (let i = 0; i < a.rows; i++) for (let j = 0; j < n; j++) a.g![i * a.cols + start + j]! += G[i * n + j]!;
    });
  }

  private unary(a: Tensor, f: (x: number) => number, dfdy: (x: number, y: number) => number): Tensor {
    const y = this.out(a.rows, a.cols, a);
    for (let i = 0; i < y.v.length; i++) y.v[i] = f(a.v[i]!);
    return this.record(y, () => {
      const G = y.g!;
      for (let i = 0; i < G.length; i++) a.g![i]! += G[i]! * dfdy(a.v[i]!, y.v[i]!);
    });
  }

  sigmoid(a: Tensor): Tensor {
    return this.unary(a, sigmoid, (_x, y) => y * (1 - y));
  }

  tanh(a: Tensor): Tensor {
    return this.unary(a, Math.tanh, (_x, y) => 1 - y * y);
  }

  relu(a: Tensor): Tensor {
    return this.unary(a, (x) => (x > 0 ? x : 0), (x) => (x > 0 ? 1 : 0));
  }

  /** X [B*L x D] + P [L x D] (the same positions added to every sample). */
  addPositions(x: Tensor, p: Tensor, L: number): Tensor {
    const D = x.cols;
    const y = this.out(x.rows, D, x, p);
    for (let r = 0; r < x.rows; r++) {
      const po = (r % L) * D;
      for (let j = 0; j < D; j++) y.v[r * D + j] = x.v[r * D + j]! + p.v[po + j]!;
    }
    return this.record(y, () => {
      const G = y.g!;
      if (x.g) for (let i = 0; i < G.length; i++) x.g[i]! += G[i]!;
      if (p.g) for (let r = 0; r < x.rows; r++) for (let j = 0; j < D; j++) p.g[(r % L) * D + j]! += G[r * D + j]!;
    });
  }

  /**
   * Scaled dot-product self-attention within each sample: Q, K, V [B*L x D] hold B sequences of L
   * rows; head h uses columns [h*dh, (h+1)*dh). Output [B*L x D] (heads concatenated), no mask (a
   * window only holds the row and its past, so attending to all of it never reads the future).
   */
  attention(q: Tensor, k: Tensor, v: Tensor, L: number, heads: number): Tensor {
    const D = q.cols, B = q.rows / L, dh = D / heads, scale = 1 / Math.sqrt(dh);
    const y = this.out(q.rows, D, q, k, v);
    const A = new Float64Array(B * heads * L * L);
    const Y = y.v;
    // Per (sample, head): copy the head's Q, K, V into contiguous [L x dh] blocks so every inner loop
    // is a contiguous dot product.
    const Qc = new Float64Array(L * dh), Kc = new Float64Array(L * dh), Vc = new Float64Array(L * dh), VT = new Float64Array(dh * L);
    const gather = (src: Float64Array, dst: Float64Array, b: number, h: number) => {
      for (let i = 0; i < L; i++) for (let c = 0; c < dh; c++) dst[i * dh + c] = src[(b * L + i) * D + h * dh + c]!;
    };
    const O = new Float64Array(L * dh);
    for (let b = 0; b < B; b++)
      for (let h = 0; h < heads; h++) {
        gather(q.v, Qc, b, h);
        gather(k.v, Kc, b, h);
        gather(v.v, Vc, b, h);
        for (let j = 0; j < L; j++) for (let c = 0; c < dh; c++) VT[c * L + j] = Vc[j * dh + c]!;
        const ao = (b * heads + h) * L * L;
        gemm(Qc, 0, L, dh, Kc, 0, L, A, ao);
        for (let i = 0; i < L; i++) {
          const ro = ao + i * L;
          let mx = -Infinity;
          for (let j = 0; j < L; j++) if ((A[ro + j]! *= scale) > mx) mx = A[ro + j]!;
          let z = 0;
          for (let j = 0; j < L; j++) z += A[ro + j] = Math.exp(A[ro + j]! - mx);
          for (let j = 0; j < L; j++) A[ro + j]! /= z;
        }
        gemm(A, ao, L, L, VT, 0, dh, O, 0);
        for (let i = 0; i < L; i++) for (let c = 0; c < dh; c++) Y[(b * L + i) * D + h * dh + c] = O[i * dh + c]!;
      }
    return this.record(y, () => {
      const G = y.g!;
      const Gc = new Float64Array(L * dh), GT = new Float64Array(dh * L), AT = new Float64Array(L * L), T = new Float64Array(L * dh);
      const dS = new Float64Array(L * L), dST = new Float64Array(L * L), KT = new Float64Array(dh * L), QT = new Float64Array(dh * L);
      const scatter = (dst: Float64Array | null, b: number, h: number) => {
        if (dst) for (let j = 0; j < L; j++) for (let c = 0; c < dh; c++) dst[(b * L + j) * D + h * dh + c]! += T[j * dh + c]!;
      };
      for (let b = 0; b < B; b++)
        for (let h = 0; h < heads; h++) {
          gather(q.v, Qc, b, h);
          gather(k.v, Kc, b, h);
          gather(v.v, Vc, b, h);
          gather(G, Gc, b, h);
          const ao = (b * heads + h) * L * L;
          for (let i = 0; i < L; i++) for (let c = 0; c < dh; c++) GT[c * L + i] = Gc[i * dh + c]!;
          for (let i = 0; i < L; i++) for (let j = 0; j < L; j++) AT[j * L + i] = A[ao + i * L + j]!;
          // dV = A^T dY
          if (v.g) gemm(AT, 0, L, L, GT, 0, dh, T, 0), scatter(v.g, b, h);
          // dA = dY V^T; dS_ij = scale * A_ij (dA_ij - sum_j A_ij dA_ij)
          gemm(Gc, 0, L, dh, Vc, 0, L, dS, 0);
          for (let i = 0; i < L; i++) {
            const ro = ao + i * L;
            let rowDot = 0;
            for (let j = 0; j < L; j++) rowDot += dS[i * L + j]! * A[ro + j]!;
            for (let j = 0; j < L; j++) {
              const ds = scale * A[ro + j]! * (dS[i * L + j]! - rowDot);
              dS[i * L + j] = ds;
              dST[j * L + i] = ds;
            }
          }
          for (let j = 0; j < L; j++)
            for (let c = 0; c < dh; c++) {
              KT[c * L + j] = Kc[j * dh + c]!;
              QT[c * L + j] = Qc[j * dh + c]!;
            }
          // dQ = dS K; dK = dS^T Q
          if (q.g) gemm(dS, 0, L, L, KT, 0, dh, T, 0), scatter(q.g, b, h);
          if (k.g) gemm(dST, 0, L, L, QT, 0, dh, T, 0), scatter(k.g, b, h);
        }
    });
  }

  /**
   * A whole LSTM layer over B windows of L steps (x[(b * L + t) * F + f], a constant), fused into one op
   * with backpropagation through time inside: z_t = x_t Wx + h_{t-1} Wh + b with gate blocks
   * (i, f, g, o); c_t = f c_{t-1} + i g; h_t = o tanh(c_t); h_0 = c_0 = 0. Returns h_L [B x H].
   */
  lstm(x: Float64Array, B: number, L: number, F: number, wx: Tensor, wh: Tensor, bias: Tensor): Tensor {
    const H = wh.rows, G = 4 * H, N = L * B;
    const Wh = wh.v, bv = bias.v;
    const WxT = transpose(wx.v, F, G), WhT = transpose(Wh, H, G);
    const y = this.out(B, H, wx, wh, bias);
    const gates = new Float64Array(N * G); // activated i, f, g, o at row t * B + b
    const cs = new Float64Array((L + 1) * B * H); // c_t at block t + 1
    const hs = new Float64Array((L + 1) * B * H);
    const Z = new Float64Array(B * G), Xt = new Float64Array(B * F);
    for (let t = 0; t < L; t++) {
      for (let b = 0; b < B; b++) for (let p = 0; p < F; p++) Xt[b * F + p] = x[(b * L + t) * F + p]!;
      gemm(Xt, 0, B, F, WxT, 0, G, Z, 0);
      if (t > 0) gemm(hs, t * B * H, B, H, WhT, 0, G, Z, 0, true);
      for (let b = 0; b < B; b++) {
        const zo = b * G, hp = (t * B + b) * H, go = (t * B + b) * G, co = ((t + 1) * B + b) * H;
        for (let j = 0; j < H; j++) {
          const i = sigmoid(Z[zo + j]! + bv[j]!), f = sigmoid(Z[zo + H + j]! + bv[H + j]!);
          const g = Math.tanh(Z[zo + 2 * H + j]! + bv[2 * H + j]!), o = sigmoid(Z[zo + 3 * H + j]! + bv[3 * H + j]!);
          gates[go + j] = i;
          gates[go + H + j] = f;
          gates[go + 2 * H + j] = g;
          gates[go + 3 * H + j] = o;
          const c = f * cs[hp + j]! + i * g;
          cs[co + j] = c;
          hs[co + j] = o * Math.tanh(c);
        }
      }
    }
    y.v.set(hs.subarray(L * B * H));
    return this.record(y, () => {
      const dh = Float64Array.from(y.g!);
      const dc = new Float64Array(B * H);
      const dZ = new Float64Array(N * G);
      for (let t = L - 1; t >= 0; t--) {
        for (let b = 0; b < B; b++) {
          const go = (t * B + b) * G, co = ((t + 1) * B + b) * H, hp = (t * B + b) * H, r = b * H;
          for (let j = 0; j < H; j++) {
            const i = gates[go + j]!, f = gates[go + H + j]!, g = gates[go + 2 * H + j]!, o = gates[go + 3 * H + j]!;
            const tc = Math.tanh(cs[co + j]!);
            const dct = dc[r + j]! + dh[r + j]! * o * (1 - tc * tc);
            dZ[go + j] = dct * g * i * (1 - i);
            dZ[go + H + j] = dct * cs[hp + j]! * f * (1 - f);
            dZ[go + 2 * H + j] = dct * i * (1 - g * g);
            dZ[go + 3 * H + j] = dh[r + j]! * tc * o * (1 - o);
            dc[r + j] = dct * f;
          }
        }
        // dh_{t-1} = dZ_t Wh^T (Wh [H x 4H] is the transposed operand as stored)
        gemm(dZ, t * B * G, B, G, Wh, 0, H, dh, 0);
      }
      // Weight gradients as long dot products over all N = L * B (step, sample) rows.
      const dZT = transpose(dZ, N, G);
      if (bias.g) gemm(dZT, 0, G, N, ONES(N), 0, 1, bias.g, 0, true);
      if (wx.g) {
        const XT = new Float64Array(F * N);
        for (let t = 0; t < L; t++) for (let b = 0; b < B; b++) for (let p = 0; p < F; p++) XT[p * N + t * B + b] = x[(b * L + t) * F + p]!;
        gemm(XT, 0, F, N, dZT, 0, G, wx.g, 0, true);
      }
      if (wh.g) {
        const HT = transpose(hs.subarray(0, N * H), N, H); // h_{t-1} at row t * B + b
        gemm(HT, 0, H, N, dZT, 0, G, wh.g, 0, true);
      }
    });
  }

  /** Per-row layer normalisation: (x - mean) / sqrt(var + eps) * gamma + beta (ONNX LayerNormalization). */
  layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps = LAYER_NORM_EPS): Tensor {
    const R = x.rows, D = x.cols;
    const y = this.out(R, D, x, gamma, beta);
    const xhat = new Float64Array(R * D);
    const rstd = new Float64Array(R);
    for (let r = 0; r < R; r++) {
      const o = r * D;
      let mu = 0;
      for (let j = 0; j < D; j++) mu += x.v[o + j]!;
      mu /= D;
      let vr = 0;
      for (let j = 0; j < D; j++) vr += (x.v[o + j]! - mu) ** 2;
      const rs = 1 / Math.sqrt(vr / D + eps);
      rstd[r] = rs;
      for (let j = 0; j < D; j++) {
        const xh = (x.v[o + j]! - mu) * rs;
        xhat[o + j] = xh;
        y.v[o + j] = xh * gamma.v[j]! + beta.v[j]!;
      }
    }
    return this.record(y, () => {
      const G = y.g!;
      for (let r = 0; r < R; r++) {
        const o = r * D;
        let m1 = 0, m2 = 0;
        for (let j = 0; j < D; j++) {
          const dxh = G[o + j]! * gamma.v[j]!;
          m1 += dxh;
          m2 += dxh * xhat[o + j]!;
          if (gamma.g) gamma.g[j]! += G[o + j]! * xhat[o + j]!;
          if (beta.g) beta.g[j]! += G[o + j]!;
        }
        m1 /= D;
        m2 /= D;
        if (x.g) for (let j = 0; j < D; j++) x.g[o + j]! += rstd[r]! * (G[o + j]! * gamma.v[j]! - m1 - xhat[o + j]! * m2);
      }
    });
  }

  /** [B*L x D] -> [B x D]: mean over each sample's L rows ('mean') or its last row ('last'). */
  pool(x: Tensor, L: number, how: 'mean' | 'last'): Tensor {
    const D = x.cols, B = x.rows / L;
    const y = this.out(B, D, x);
    for (let b = 0; b < B; b++)
      if (how === 'mean') {
        for (let t = 0; t < L; t++) for (let j = 0; j < D; j++) y.v[b * D + j]! += x.v[(b * L + t) * D + j]! / L;
      } else for (let j = 0; j < D; j++) y.v[b * D + j] = x.v[(b * L + L - 1) * D + j]!;
    return this.record(y, () => {
      const G = y.g!;
      for (let b = 0; b < B; b++)
        if (how === 'mean') {
          for (let t = 0; t < L; t++) for (let j = 0; j < D; j++) x.g![(b * L + t) * D + j]! += G[b * D + j]! / L;
        } else for (let j = 0; j < D; j++) x.g![(b * L + L - 1) * D + j]! += G[b * D + j]!;
    });
  }
}

/**
 * Y[i, j] (+)= sum_p A[i, p] * BT[j, p] for A [m x k] and BT [n x k] (B transposed), both row-major
 * from offsets ao, bo. Blocked 2 rows x 4 columns in registers (~2x a dot-product loop in V8); every
 * entry sums over p in order, so a row's result does not depend on the rows batched with it.
 */
export function gemm(A: Float64Array, ao: number, m: number, k: number, BT: Float64Array, bo: number, n: number, Y: Float64Array, yo: number, accumulate = false): void {
  let i = 0;
  for (; i + 1 < m; i += 2) {
    const a0 = ao + i * k, a1 = a0 + k, y0 = yo + i * n, y1 = y0 + n;
    let j = 0;
    for (; j + 3 < n; j += 4) {
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      const w0 = bo + j * k, w1 = w0 + k, w2 = w1 + k, w3 = w2 + k;
      for (let p = 0; p < k; p++) {
        const x = A[a0 + p]!, z = A[a1 + p]!;
        const b0 = BT[w0 + p]!, b1 = BT[w1 + p]!, b2 = BT[w2 + p]!, b3 = BT[w3 + p]!;
        s00 += x * b0; s01 += x * b1; s02 += x * b2; s03 += x * b3;
        s10 += z * b0; s11 += z * b1; s12 += z * b2; s13 += z * b3;
      }
      if (accumulate) {
        Y[y0 + j]! += s00; Y[y0 + j + 1]! += s01; Y[y0 + j + 2]! += s02; Y[y0 + j + 3]! += s03;
        Y[y1 + j]! += s10; Y[y1 + j + 1]! += s11; Y[y1 + j + 2]! += s12; Y[y1 + j + 3]! += s13;
      } else {
        Y[y0 + j] = s00; Y[y0 + j + 1] = s01; Y[y0 + j + 2] = s02; Y[y0 + j + 3] = s03;
        Y[y1 + j] = s10; Y[y1 + j + 1] = s11; Y[y1 + j + 2] = s12; Y[y1 + j + 3] = s13;
      }
    }
    for (; j < n; j++) {
      let s0 = 0, s1 = 0;
      const w = bo + j * k;
      for (let p = 0; p < k; p++) (s0 += A[a0 + p]! * BT[w + p]!), (s1 += A[a1 + p]! * BT[w + p]!);
      if (accumulate) (Y[y0 + j]! += s0), (Y[y1 + j]! += s1);
      else (Y[y0 + j] = s0), (Y[y1 + j] = s1);
    }
  }
  for (; i < m; i++) {
    const a0 = ao + i * k, y0 = yo + i * n;
    for (let j = 0; j < n; j++) {
      let s0 = 0;
      const w = bo + j * k;
      for (let p = 0; p < k; p++) s0 += A[a0 + p]! * BT[w + p]!;
      if (accumulate) Y[y0 + j]! += s0;
      else Y[y0 + j] = s0;
    }
  }
}

let ones = new Float64Array(0);
/** A shared vector of at least n ones. */
function ONES(n: number): Float64Array {
  if (ones.length < n) ones = new Float64Array(n).fill(1);
  return ones;
}

/** [r x c] -> [c x r]. */
function transpose(x: Float64Array, r: number, c: number): Float64Array {
  const t = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) t[j * r + i] = x[i * c + j]!;
  return t;
}

/** epsilon of every layer norm (also written into the ONNX LayerNormalization nodes). */
export const LAYER_NORM_EPS = 1e-5;

export const sigmoid = (t: number): number => (t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t)));

/** Adam (Kingma & Ba) with decoupled weight decay (AdamW) and global-norm gradient clipping. */
export class Adam {
  private readonly m: Float64Array[];
  private readonly s: Float64Array[];
  private t = 0;
  constructor(
    private readonly params: Tensor[],
    private readonly o: { lr: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number; clipNorm?: number },
  ) {
    this.m = params.map((p) => new Float64Array(p.v.length));
    this.s = params.map((p) => new Float64Array(p.v.length));
  }

  zeroGrad(): void {
    for (const p of this.params) p.g!.fill(0);
  }

  step(): void {
    const b1 = this.o.beta1 ?? 0.9, b2 = this.o.beta2 ?? 0.999, eps = this.o.eps ?? 1e-8, wd = this.o.weightDecay ?? 0;
    let norm = 0;
    for (const p of this.params) for (const g of p.g!) norm += g * g;
    norm = Math.sqrt(norm);
    const clip = this.o.clipNorm && norm > this.o.clipNorm ? this.o.clipNorm / norm : 1;
    this.t++;
    const c1 = 1 - b1 ** this.t, c2 = 1 - b2 ** this.t, lr = this.o.lr;
    this.params.forEach((p, k) => {
      const m = this.m[k]!, s = this.s[k]!, g = p.g!, v = p.v;
      for (let i = 0; i < v.length; i++) {
        const gi = g[i]! * clip;
        m[i] = b1 * m[i]! + (1 - b1) * gi;
        s[i] = b2 * s[i]! + (1 - b2) * gi * gi;
        v[i] = v[i]! - lr * ((m[i]! / c1) / (Math.sqrt(s[i]! / c2) + eps) + wd * v[i]!);
      }
    });
  }
}
