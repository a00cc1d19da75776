/**
 * The `shock` feature set: an isolation-forest anomaly score of each bar's "state vector"
 *
 *   [1h, 4h, 24h log return, log(high/low), volume z vs 168-bar median (robust), log(rv_24 / rv_168)]
 *
 * against the recent past. The forest is refitted on a fixed time grid anchored on the Unix epoch (every
 * `refitEvery` hours: the grid point T = floor(openTime / P) * P) from the vectors of bars with openTime in
 * [T - window h, T), i.e. strictly before the refit point, seeded from T. The bar at openTime t is scored
 * by the forest of the latest grid point T <= t. One kernel drives both `batch` and `incremental`, so they
 * agree by construction; a forest is only fitted when the frame covers its whole window with warmed-up
 * vectors, so every value at row >= lookback is the same whatever earlier bar the frame started at.
 */
import { z } from 'zod';
import { defineFeatureSet, fromKernels, HOUR, Ring, seededRandom, type FeatureInfo, type KernelSpec } from '@satcast/core';
import { IsolationForest } from './iforest.js';
import { parseOptions } from './options.js';

export const shockOptionsSchema = z.strictObject({
  /** Trailing window (hours) of state vectors each forest is fitted on. */
  window: z.number().int().min(256).max(50_000).default(2000),
  /** Refit period in hours; refits happen when openTime crosses a multiple of it (epoch-anchored). */
  refitEvery: z.number().int().min(1).max(24 * 365).default(168),
  /** Trees per forest. */
  trees: z.number().int().min(10).max(1000).default(100),
  /** Subsample per tree (psi). */
  sampleSize: z.number().int().min(16).max(4096).default(256),
  /** `iforest_shock` is 1 when the score is above this. */
  threshold: z.number().gt(0).lt(1).default(0.6),
  /** Also output the 0/1 `iforest_shock` column. */
  shockFlag: z.boolean().default(true),
  /** Mixed with the refit time into each forest's seed. */
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
});
export type ShockOptions = z.output<typeof shockOptionsSchema>;

/** Dimensions of the state vector, in order. */
export const SHOCK_VECTOR = ['logret_1', 'logret_4', 'logret_24', 'log_range', 'volume_z', 'log_rv_ratio_24_168'] as const;
/** Row index of the first defined state vector (168 one-bar returns for rv_168). */
export const VECTOR_WARMUP = 168;
const D = SHOCK_VECTOR.length;
/** Forests need at least this many finite vectors in their window. */
const MIN_ROWS = 64;

/** Bars before every output is defined: vector warm-up + one full window + the longest wait for a grid point. */
export function shockLookback(o: ShockOptions): number {
  return VECTOR_WARMUP + o.window + o.refitEvery - 1;
}

/** The last `cap` values kept sorted (insert/remove by binary search), for an O(n) rolling median and MAD. */
export class SortedWindow {
  private readonly ring: Ring;
  private readonly sorted: Float64Array;
  private n = 0;
  constructor(readonly cap: number) {
    this.ring = new Ring(cap);
    this.sorted = new Float64Array(cap);
  }
  private lowerBound(x: number): number {
    let lo = 0, hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sorted[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  push(x: number): void {
    if (this.ring.full) {
      const at = this.lowerBound(this.ring.back(this.cap - 1));
      this.sorted.copyWithin(at, at + 1, this.n);
      this.n--;
    }
    this.ring.push(x);
    const at = this.lowerBound(x);
    this.sorted.copyWithin(at + 1, at, this.n);
    this.sorted[at] = x;
    this.n++;
  }
  get full(): boolean {
    return this.ring.full;
  }
  /** Median of the window. */
  median(): number {
    const n = this.n;
    return n % 2 ? this.sorted[(n - 1) / 2]! : (this.sorted[n / 2 - 1]! + this.sorted[n / 2]!) / 2;
  }
  /** Median absolute deviation from `m`: merge the two sorted deviation runs either side of m. */
  mad(m: number): number {
    const n = this.n;
    const s = this.sorted;
    let hi = this.lowerBound(m);
    let lo = hi - 1;
    const kth = (k: number) => {
      let v = 0;
      for (let c = 0; c <= k; c++) {
        const dl = lo >= 0 ? m - s[lo]! : Infinity;
        const dh = hi < n ? s[hi]! - m : Infinity;
        if (dl <= dh) (v = dl), lo--;
        else (v = dh), hi++;
      }
      return v;
    };
    if (n % 2) return kth((n - 1) / 2);
    const a = kth(n / 2 - 1);
    const b = kth(0);
    return (a + b) / 2;
  }
}

/** Streams the state vector; `vec` holds the current bar's values (NaN during warm-up). */
class StateVector {
  private readonly closes = new Ring(25);
  private readonly r2 = new Ring(VECTOR_WARMUP);
  private readonly logVol = new SortedWindow(VECTOR_WARMUP);
  readonly vec = new Float64Array(D);

  step(high: number, low: number, close: number, volume: number): void {
    const prev = this.closes.back(0);
    this.closes.push(close);
    const r1 = Math.log(close / prev);
    this.vec[0] = r1;
    this.vec[1] = Math.log(close / this.closes.back(4));
    this.vec[2] = Math.log(close / this.closes.back(24));
    this.vec[3] = Math.log(high / low);
    // volume: robust z of log1p(volume) against the last 168 bars (this one included)
    const lv = Number.isFinite(volume) ? Math.log1p(Math.max(0, volume)) : 0;
    this.logVol.push(lv);
    if (this.logVol.full) {
      const med = this.logVol.median();
      const mad = 1.4826 * this.logVol.mad(med);
      this.vec[4] = (lv - med) / Math.max(mad, 1e-6);
    } else this.vec[4] = Number.NaN;
    // realised-vol ratio over the last 24 and 168 one-bar returns (summed directly: no drift, same in both paths)
    if (Number.isFinite(prev)) this.r2.push(r1 * r1);
    if (this.r2.full) {
      let s24 = 0, s168 = 0;
      for (let k = 0; k < VECTOR_WARMUP; k++) {
        const v = this.r2.back(k);
        if (k < 24) s24 += v;
        s168 += v;
      }
      this.vec[5] = 0.5 * Math.log((s24 / 24 + 1e-14) / (s168 / VECTOR_WARMUP + 1e-14));
    } else this.vec[5] = Number.NaN;
  }
}

function shockKernel(o: ShockOptions): KernelSpec {
  const lb = shockLookback(o);
  const features: FeatureInfo[] = [
    {
      name: 'iforest_score',
      description: `isolation-forest anomaly score (0..1, >0.6 anomalous) of the bar's return/range/volume/vol-ratio vector vs the previous ${o.window} h, refitted every ${o.refitEvery} h`,
      lookback: lb,
      inputs: ['high', 'low', 'close', 'volume'],
    },
  ];
  if (o.shockFlag) {
    features.push({ name: 'iforest_shock', description: `1 when iforest_score > ${o.threshold}, else 0`, lookback: lb, inputs: ['high', 'low', 'close', 'volume'] });
  }
  const period = o.refitEvery * HOUR;
  return {
    features,
    create() {
      const sv = new StateVector();
      const win = new Float64Array(o.window * D);
      const winTime = new Float64Array(o.window).fill(Number.NaN);
      let next = 0;
      let firstOpen = Number.NaN;
      let lastPeriod = Number.NaN;
      let forest: IsolationForest | null = null;
      const rows = new Float64Array(o.window * D);
      const refit = (T: number) => {
        forest = null;
        // the window must lie entirely after the frame's warm-up, or a later-starting frame would differ
        if (T - o.window * HOUR < firstOpen + VECTOR_WARMUP * HOUR) return;
        let n = 0;
        for (let k = 0; k < o.window; k++) {
          // oldest first, so the sample order (and thus the forest) depends only on the data
          const slot = (next + k) % o.window;
          const t = winTime[slot]!;
          if (!(t >= T - o.window * HOUR && t < T)) continue;
          let ok = true;
          for (let j = 0; j < D; j++) if (!Number.isFinite(win[slot * D + j]!)) ok = false;
          if (!ok) continue;
          for (let j = 0; j < D; j++) rows[n * D + j] = win[slot * D + j]!;
          n++;
        }
        if (n < MIN_ROWS) return;
        const p = Math.round(T / period);
        const rng = seededRandom((Math.imul(p, 0x9e3779b1) ^ Math.imul(o.seed + 1, 0x85ebca6b)) >>> 0);
        forest = IsolationForest.fit(rows, n, D, rng, { trees: o.trees, sampleSize: o.sampleSize });
      };
      return {
        step(b, out, off) {
          if (Number.isNaN(firstOpen)) firstOpen = b.openTime;
          sv.step(b.high, b.low, b.close, b.volume);
          const p = Math.floor(b.openTime / period);
          if (p !== lastPeriod) {
            lastPeriod = p;
            refit(p * period);
          }
          const f = forest as IsolationForest | null;
          const s = f ? f.score(sv.vec) : Number.NaN;
          out[off] = s;
          if (o.shockFlag) out[off + 1] = Number.isNaN(s) ? Number.NaN : s > o.threshold ? 1 : 0;
          // after scoring: this bar only enters forests fitted at later grid points
          win.set(sv.vec, next * D);
          winTime[next] = b.openTime;
          next = (next + 1) % o.window;
        },
      };
    },
  };
}

const kernels = fromKernels((o: ShockOptions) => [shockKernel(o)]);

/**
 * Isolation-forest shock feature set over 1h candles: `iforest_score` and (by default) `iforest_shock`.
 * @example
 * import { shock } from '@satcast/plugin-shock';
 * const fs = await shock.create(shock.optionsSchema.parse({ window: 2000 }), ctx);
 * const { iforest_score } = fs.batch(frame);
 */
export const shock = defineFeatureSet<ShockOptions>({
  name: 'shock',
  apiVersion: 1,
  description: 'isolation-forest anomaly score of returns, range, volume and vol-ratio vs the trailing window (refitted on an epoch-anchored grid)',
  optionsSchema: shockOptionsSchema,
  inputs: [{ kind: 'candles', interval: '1h' }],
  publicationLag: 0,
  features: kernels.features,
  lookback: shockLookback,
  create: (o) => kernels.create(parseOptions('shock', shockOptionsSchema, o)),
});
