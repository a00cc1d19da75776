/**
 * Tests the gates and triggers rest on, in plain TypeScript with no dependencies (runtime-neutral, so the
 * lead can move this file to core unchanged): normal and Student-t tails, the Diebold-Mariano test with a
 * Newey-West (HAC) variance, the two-sample Kolmogorov-Smirnov test, the population stability index and
 * Benjamini-Hochberg / Holm p-value adjustments. Every function is checked against hand-computed values.
 */

const SQRT_PI_INV = 0.56418958354775628695;

/** exp(−y²) computed in two parts so the rounding of y² does not cost precision in the tail (Cody). */
function expNegSquare(y: number): number {
  const ysq = Math.trunc(y * 16) / 16;
  const del = (y - ysq) * (y + ysq);
  return Math.exp(-ysq * ysq) * Math.exp(-del);
}

/** Complementary error function to ~1e-15 relative (W. J. Cody's rational approximations, CALERF). */
export function erfc(x: number): number {
  const y = Math.abs(x);
  let r: number;
  if (y <= 0.46875) {
    const a = [3.1611237438705656, 113.864154151050156, 377.485237685302021, 3209.37758913846947, 0.185777706184603153];
    const b = [23.6012909523441209, 244.024637934444173, 1282.61652607737228, 2844.23683343917062];
    const z = y * y;
    let num = a[4]! * z;
    let den = z;
    for (let i = 0; i < 3; i++) {
      num = (num + a[i]!) * z;
      den = (den + b[i]!) * z;
    }
    const erf = (x * (num + a[3]!)) / (den + b[3]!);
    return 1 - erf;
  }
  if (y <= 4) {
    const c = [0.564188496988670089, 8.88314979438837594, 66.1191906371416295, 298.635138197400131, 881.95222124176909, 1712.04761263407058, 2051.07837782607147, 1230.33935479799725, 2.15311535474403846e-8];
    const d = [15.7449261107098347, 117.693950891312499, 537.181101862009858, 1621.38957456669019, 3290.79923573345963, 4362.61909014324716, 3439.36767414372164, 1230.33935480374942];
    let num = c[8]! * y;
    let den = y;
    for (let i = 0; i < 7; i++) {
      num = (num + c[i]!) * y;
      den = (den + d[i]!) * y;
    }
    r = ((num + c[7]!) / (den + d[7]!)) * expNegSquare(y);
  } else if (y < 26.6) {
    const p = [0.305326634961232344, 0.360344899949804439, 0.125781726111229246, 0.0160837851487422766, 6.58749161529837803e-4, 0.0163153871373020978];
    const q = [2.56852019228982242, 1.87295284992346725, 0.527905102951428412, 0.0605183413124413191, 0.00233520497626869185];
    const z = 1 / (y * y);
    let num = p[5]! * z;
    let den = z;
    for (let i = 0; i < 4; i++) {
      num = (num + p[i]!) * z;
      den = (den + q[i]!) * z;
    }
    r = ((SQRT_PI_INV - (z * (num + p[4]!)) / (den + q[4]!)) / y) * expNegSquare(y);
  } else {
    r = 0;
  }
  return x >= 0 ? r : 2 - r;
}

/** Standard normal CDF. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** log Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; ~1e-15 relative). */
export function logGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const xx = x - 1;
  let a = c[0]!;
  const t = xx + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (xx + i);
  return 0.5 * Math.log(2 * Math.PI) + (xx + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularized incomplete beta I_x(a, b) (continued fraction, modified Lentz). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  // The fraction converges fast for x < (a+1)/(a+b+2); use the symmetry otherwise.
  if (x > (a + 1) / (a + b + 2)) return 1 - incompleteBeta(1 - x, b, a);
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let f = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let num = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + num * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + num / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    f *= d * c;
    num = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + num * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + num / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-14) break;
  }
  return (front * f) / a;
}

/** Student-t CDF with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  if (!Number.isFinite(t)) return t > 0 ? 1 : 0;
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t > 0 ? 1 - tail : tail;
}

export type Alternative = 'greater' | 'less' | 'two-sided';

function pFromStat(stat: number, alternative: Alternative, cdf: (x: number) => number): number {
  if (Number.isNaN(stat)) return Number.NaN;
  if (alternative === 'greater') return 1 - cdf(stat);
  if (alternative === 'less') return cdf(stat);
  return Math.min(1, 2 * (1 - cdf(Math.abs(stat))));
}

/** Newey-West (1994) automatic lag: floor(4 (n/100)^(2/9)). */
export function neweyWestLag(n: number): number {
  return Math.max(0, Math.floor(4 * Math.pow(n / 100, 2 / 9)));
}

/**
 * Long-run variance of a series: γ0 + 2 Σ_{k=1..lag} (1 − k/(lag+1)) γk, with autocovariances
 * γk = (1/n) Σ_{t>k} (x_t − x̄)(x_{t−k} − x̄). Bartlett weights keep it non-negative.
 */
export function neweyWestVariance(xs: ArrayLike<number>, lag: number): number {
  const n = xs.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += xs[i]!;
  mean /= n;
  let lrv = 0;
  for (let k = 0; k <= Math.min(lag, n - 1); k++) {
    let g = 0;
    for (let t = k; t < n; t++) g += (xs[t]! - mean) * (xs[t - k]! - mean);
    g /= n;
    lrv += k === 0 ? g : 2 * (1 - k / (lag + 1)) * g;
  }
  return lrv;
}

export interface DieboldMarianoResult {
  /** Pairs used (pairs with a non-finite loss are dropped). */
  n: number;
  /** Mean of d = lossA − lossB; positive means B has lower loss. */
  meanDiff: number;
  /** HAC long-run variance of d. */
  longRunVariance: number;
  standardError: number;
  statistic: number;
  pValue: number;
  lag: number;
  alternative: Alternative;
  /** `normal`, or `t` with the Harvey-Leybourne-Newbold correction. */
  distribution: 'normal' | 't';
}

export interface DieboldMarianoOptions {
  /** HAC truncation lag; default Newey-West's rule. Overlapping h-step forecasts need at least h − 1. */
  lag?: number;
  /** `greater` (default): H1 is E[lossA − lossB] > 0, i.e. B is better. */
  alternative?: Alternative;
  /** Apply the Harvey-Leybourne-Newbold small-sample correction for horizon `h` and use t(n−1). */
  hln?: { h: number };
}

/**
 * Diebold-Mariano test of equal predictive accuracy on paired losses: DM = d̄ / sqrt(LRV(d)/n).
 * @example
 * const r = dieboldMariano(championLoss, challengerLoss, { lag: 23 }); // r.pValue < 0.05 → challenger better
 */
export function dieboldMariano(lossA: ArrayLike<number>, lossB: ArrayLike<number>, opts: DieboldMarianoOptions = {}): DieboldMarianoResult {
  if (lossA.length !== lossB.length) throw new RangeError(`dieboldMariano: series differ in length (${lossA.length} vs ${lossB.length})`);
  const d: number[] = [];
  for (let i = 0; i < lossA.length; i++) {
    const x = lossA[i]! - lossB[i]!;
    if (Number.isFinite(x)) d.push(x);
  }
  const n = d.length;
  const alternative = opts.alternative ?? 'greater';
  const lag = opts.lag ?? neweyWestLag(n);
  const distribution = opts.hln ? 't' : 'normal';
  if (n < 2) return { n, meanDiff: n ? d[0]! : Number.NaN, longRunVariance: Number.NaN, standardError: Number.NaN, statistic: Number.NaN, pValue: Number.NaN, lag, alternative, distribution };
  const meanDiff = d.reduce((a, b) => a + b, 0) / n;
  const longRunVariance = neweyWestVariance(d, lag);
  const standardError = Math.sqrt(longRunVariance / n);
  // Identical losses: no evidence either way. A constant non-zero difference is certain.
  let statistic = standardError > 0 ? meanDiff / standardError : meanDiff === 0 ? 0 : Math.sign(meanDiff) * Infinity;
  let cdf = normalCdf;
  if (opts.hln) {
    const h = opts.hln.h;
    statistic *= Math.sqrt((n + 1 - 2 * h + (h * (h - 1)) / n) / n);
    cdf = (x) => studentTCdf(x, n - 1);
  }
  return { n, meanDiff, longRunVariance, standardError, statistic, pValue: pFromStat(statistic, alternative, cdf), lag, alternative, distribution };
}

/** Kolmogorov's limiting survival function Q(λ) = 2 Σ (−1)^{j−1} exp(−2 j² λ²). */
export function kolmogorovQ(lambda: number): number {
  if (lambda < 0.2) return 1; // the series has not converged there; the true value is 1 to 1e-9
  let sum = 0;
  let prev = 0;
  for (let j = 1; j <= 100; j++) {
    const term = (j % 2 ? 1 : -1) * Math.exp(-2 * j * j * lambda * lambda);
    sum += term;
    if (Math.abs(term) <= 1e-10 * Math.abs(sum) || Math.abs(term) <= 1e-16 * prev) break;
    prev = Math.abs(term);
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

export interface KsResult {
  statistic: number;
  pValue: number;
  n: number;
  m: number;
}

/**
 * Two-sample Kolmogorov-Smirnov test: D = sup |F1 − F2|; asymptotic p-value with Stephens' correction,
 * λ = (√ne + 0.12 + 0.11/√ne) D, ne = nm/(n+m). Assumes independent draws — autocorrelated series (most
 * features) reject more often than the nominal rate, which is why triggers also report PSI.
 */
export function ksTwoSample(a: ArrayLike<number>, b: ArrayLike<number>): KsResult {
  const x = Float64Array.from(Array.from(a).filter(Number.isFinite)).sort();
  const y = Float64Array.from(Array.from(b).filter(Number.isFinite)).sort();
  const n = x.length;
  const m = y.length;
  if (n === 0 || m === 0) return { statistic: Number.NaN, pValue: Number.NaN, n, m };
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n && j < m) {
    // Step past every copy of the smaller value in both samples, so ties do not inflate D.
    const v = Math.min(x[i]!, y[j]!);
    while (i < n && x[i]! === v) i++;
    while (j < m && y[j]! === v) j++;
    d = Math.max(d, Math.abs(i / n - j / m));
  }
  const ne = (n * m) / (n + m);
  const sq = Math.sqrt(ne);
  return { statistic: d, pValue: kolmogorovQ((sq + 0.12 + 0.11 / sq) * d), n, m };
}

/**
 * Population stability index of `recent` against `reference`, on `bins` quantile bins of the reference:
 * Σ (r − e) ln(r / e), empty bins floored at `eps`. Rule of thumb: < 0.1 stable, > 0.25 shifted.
 */
export function psi(reference: ArrayLike<number>, recent: ArrayLike<number>, bins = 10, eps = 1e-4): number {
  const ref = Float64Array.from(Array.from(reference).filter(Number.isFinite)).sort();
  const rec = Array.from(recent).filter(Number.isFinite);
  if (ref.length === 0 || rec.length === 0) return Number.NaN;
  const edges: number[] = [];
  for (let k = 1; k < bins; k++) edges.push(ref[Math.min(ref.length - 1, Math.floor((k * ref.length) / bins))]!);
  const bucket = (v: number) => {
    let lo = 0;
    while (lo < edges.length && v >= edges[lo]!) lo++;
    return lo;
  };
  const e = new Array<number>(bins).fill(0);
  const r = new Array<number>(bins).fill(0);
  for (const v of ref) e[bucket(v)]!++;
  for (const v of rec) r[bucket(v)]!++;
  let s = 0;
  for (let k = 0; k < bins; k++) {
    const pe = Math.max(eps, e[k]! / ref.length);
    const pr = Math.max(eps, r[k]! / rec.length);
    s += (pr - pe) * Math.log(pr / pe);
  }
  return s;
}

/** Benjamini-Hochberg adjusted p-values (false discovery rate), in input order. */
export function benjaminiHochberg(p: readonly number[]): number[] {
  const m = p.length;
  const order = p.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(m);
  let running = 1;
  for (let k = m - 1; k >= 0; k--) {
    running = Math.min(running, (order[k]![0] * m) / (k + 1));
    out[order[k]![1]] = Math.min(1, running);
  }
  return out;
}

/** Holm step-down adjusted p-values (family-wise error), in input order. */
export function holm(p: readonly number[]): number[] {
  const m = p.length;
  const order = p.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(m);
  let running = 0;
  for (let k = 0; k < m; k++) {
    running = Math.max(running, (m - k) * order[k]![0]);
    out[order[k]![1]] = Math.min(1, running);
  }
  return out;
}

export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return xs.length ? s / xs.length : Number.NaN;
}

/** Sample standard deviation (n − 1). */
export function stdev(xs: ArrayLike<number>): number {
  const n = xs.length;
  if (n < 2) return Number.NaN;
  const mu = mean(xs);
  let s = 0;
  for (let i = 0; i < n; i++) s += (xs[i]! - mu) ** 2;
  return Math.sqrt(s / (n - 1));
}
