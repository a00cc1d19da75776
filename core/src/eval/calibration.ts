/**
 * Calibration layers applied on top of any model, fitted only on out-of-sample forecasts whose outcome was
 * public at fit time:
 * - `AdaptiveBand`: adaptive conformal inference (Gibbs & Candès 2021) in multiplicative form. The band
 *   around the median is scaled by s; after each realised outcome, log s += gamma * (miss - alpha). Misses
 *   widen the band, hits narrow it slowly, so the long-run miss rate tracks alpha whatever the regime.
 * - Platt scaling of a probability (logistic fit of its logit) and isotonic regression (PAV).
 */
import { QUANTILE_LEVELS, type QuantileKey } from '../schemas/prediction.js';

const KEYS = Object.keys(QUANTILE_LEVELS) as QuantileKey[];

export interface AdaptiveBandOptions {
  /** Target coverage of the p05..p95 band. Default 0.9. */
  target?: number;
  /** Step size on log scale per outcome. Default 0.01. */
  gamma?: number;
  /** Bounds of the scale factor. Default [0.25, 4]. */
  min?: number;
  max?: number;
  /** Starting scale (e.g. carried over from a previous state). Default 1. */
  scale?: number;
}

export class AdaptiveBand {
  private logScale: number;
  private readonly alpha: number;
  private readonly gamma: number;
  private readonly lo: number;
  private readonly hi: number;
  /** Outcomes seen and misses among them (diagnostics). */
  seen = 0;
  misses = 0;

  constructor(o: AdaptiveBandOptions = {}) {
    this.alpha = 1 - (o.target ?? 0.9);
    this.gamma = o.gamma ?? 0.01;
    this.lo = Math.log(o.min ?? 0.25);
    this.hi = Math.log(o.max ?? 4);
    this.logScale = Math.log(o.scale ?? 1);
  }

  get scale(): number {
    return Math.exp(this.logScale);
  }

  /** Quantiles with the band around the median scaled by the current factor (order is preserved). */
  apply(q: Readonly<Record<QuantileKey, number>>): Record<QuantileKey, number> {
    const s = this.scale;
    const out = {} as Record<QuantileKey, number>;
    for (const k of KEYS) out[k] = q.p50 + s * (q[k] - q.p50);
    return out;
  }

  /** Feed one realised outcome of a band that was issued with `apply` (call in order of publication). */
  update(actual: number, issued: Readonly<Record<QuantileKey, number>>): void {
    const miss = actual < issued.p05 || actual > issued.p95 ? 1 : 0;
    this.seen++;
    this.misses += miss;
    this.logScale = Math.min(this.hi, Math.max(this.lo, this.logScale + this.gamma * (miss - this.alpha)));
  }
}

const logit = (p: number) => {
  const q = Math.min(1 - 1e-6, Math.max(1e-6, p));
  return Math.log(q / (1 - q));
};
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export interface PlattScaling {
  a: number;
  b: number;
  n: number;
}

/**
 * Platt scaling: P(y = 1) = sigmoid(a * score + b), fitted by Newton's method with Platt's smoothed
 * targets and a small ridge on a (so a degenerate sample cannot produce an overconfident slope).
 * The score is the logit of the model's probability `p`. Non-finite pairs are skipped.
 */
export function fitPlatt(p: ArrayLike<number>, y: ArrayLike<number>, ridge = 1e-3): PlattScaling {
  const xs: number[] = [];
  const ys: number[] = [];
  let pos = 0;
  for (let i = 0; i < p.length; i++) {
    if (!Number.isFinite(p[i]!) || !Number.isFinite(y[i]!)) continue;
    xs.push(logit(p[i]!));
    ys.push(y[i]! > 0.5 ? 1 : 0);
    pos += ys.at(-1)!;
  }
  const n = xs.length;
  if (n < 10) return { a: 0, b: logit((pos + 1) / (n + 2)), n };
  const tPos = (pos + 1) / (pos + 2);
  const tNeg = 1 / (n - pos + 2);
  let a = 0;
  let b = logit((pos + 1) / (n + 2));
  for (let iter = 0; iter < 50; iter++) {
    let ga = ridge * a, gb = 0, haa = ridge, hab = 0, hbb = 0;
    for (let i = 0; i < n; i++) {
      const p = sigmoid(a * xs[i]! + b);
      const t = ys[i] ? tPos : tNeg;
      const w = p * (1 - p);
      ga += (p - t) * xs[i]!;
      gb += p - t;
      haa += w * xs[i]! * xs[i]!;
      hab += w * xs[i]!;
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    if (!(Math.abs(det) > 1e-12)) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a -= da;
    b -= db;
    if (Math.abs(da) + Math.abs(db) < 1e-9) break;
  }
  return { a, b, n };
}

/** Apply a Platt fit to a probability (its logit is the score). */
export function applyPlatt(fit: PlattScaling, p: number): number {
  return sigmoid(fit.a * logit(p) + fit.b);
}

/** Isotonic (non-decreasing) step function from pool-adjacent-violators; `predict` interpolates linearly. */
export interface IsotonicFit {
  x: number[];
  y: number[];
}

export function fitIsotonic(x: ArrayLike<number>, y: ArrayLike<number>): IsotonicFit {
  const pairs: [number, number][] = [];
  for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i]!) && Number.isFinite(y[i]!)) pairs.push([x[i]!, y[i]!]);
  pairs.sort((p, q) => p[0] - q[0]);
  const blocks: { sx: number; sy: number; n: number }[] = [];
  for (const [xi, yi] of pairs) {
    blocks.push({ sx: xi, sy: yi, n: 1 });
    while (blocks.length > 1) {
      const last = blocks[blocks.length - 1]!;
      const prev = blocks[blocks.length - 2]!;
      if (prev.sy / prev.n <= last.sy / last.n) break;
      prev.sx += last.sx;
      prev.sy += last.sy;
      prev.n += last.n;
      blocks.pop();
    }
  }
  return { x: blocks.map((b) => b.sx / b.n), y: blocks.map((b) => b.sy / b.n) };
}

export function applyIsotonic(fit: IsotonicFit, v: number): number {
  const { x, y } = fit;
  if (!x.length) return Number.NaN;
  if (v <= x[0]!) return y[0]!;
  if (v >= x[x.length - 1]!) return y[y.length - 1]!;
  let lo = 0;
  let hi = x.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (x[mid]! <= v) lo = mid;
    else hi = mid;
  }
  const t = (v - x[lo]!) / (x[hi]! - x[lo]! || 1);
  return y[lo]! + t * (y[hi]! - y[lo]!);
}
