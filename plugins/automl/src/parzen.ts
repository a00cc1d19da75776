/**
 * Parzen estimators of TPE (Bergstra et al. 2011; bandwidths as Optuna's univariate `_ParzenEstimator`):
 * a mixture of Gaussians truncated to the parameter's (log-)interval, one kernel per observation plus a
 * wide prior kernel at the centre, each kernel's width the larger gap to its sorted neighbours, clipped
 * to [range / min(100, 1 + kernels), range] ("magic clip"). Grid parameters score the kernel mass of the
 * grid cell, not a density. Categoricals are smoothed counts.
 */

const SQRT2 = Math.SQRT2;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** Complementary error function (Numerical Recipes `erfcc`, relative error < 1.2e-7 everywhere). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Standard normal mass of [a, b], computed on the side of the tail that keeps precision. */
export function normalMass(a: number, b: number): number {
  if (a >= 0) return 0.5 * (erfc(a / SQRT2) - erfc(b / SQRT2));
  if (b <= 0) return 0.5 * (erfc(-b / SQRT2) - erfc(-a / SQRT2));
  return 1 - 0.5 * erfc(-a / SQRT2) - 0.5 * erfc(b / SQRT2);
}

function logSumExp(xs: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < xs.length; i++) if (xs[i]! > m) m = xs[i]!;
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += Math.exp(xs[i]! - m);
  return m + Math.log(s);
}

/** Optuna's default observation weights: flat for the newest 25, a linear ramp down for older ones. */
export function defaultWeights(n: number): Float64Array {
  const w = new Float64Array(n).fill(1);
  if (n > 25) for (let i = 0; i < n - 25; i++) w[i] = n - 25 === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (n - 26);
  return w;
}

/** Truncated-Gaussian mixture on [low, high] (internal scale); `step` > 0 scores grid cells. */
export class NumericalParzen {
  readonly mus: Float64Array;
  readonly sigmas: Float64Array;
  readonly weights: Float64Array;
  private readonly logZ: Float64Array;
  private readonly lo: number;
  private readonly hi: number;

  constructor(observations: ArrayLike<number>, low: number, high: number, readonly step: number, priorWeight = 1) {
    // Grid parameters live on [low - step/2, high + step/2] so both end cells are full width.
    this.lo = low - step / 2;
    this.hi = high + step / 2;
    const n = observations.length;
    const range = this.hi - this.lo;
    const mus = new Float64Array(n + 1);
    for (let i = 0; i < n; i++) mus[i] = observations[i]!;
    mus[n] = 0.5 * (low + high);
    const order = Array.from(mus.keys()).sort((a, b) => mus[a]! - mus[b]!);
    const sorted = order.map((i) => mus[i]!);
    const ends = [this.lo, ...sorted, this.hi];
    const sig = new Float64Array(n + 1);
    for (let k = 0; k < sorted.length; k++) sig[k] = Math.max(ends[k + 1]! - ends[k]!, ends[k + 2]! - ends[k + 1]!);
    // Without endpoints, the outermost kernels take the gap to their inner neighbour only.
    if (sorted.length >= 2) {
      sig[0] = ends[2]! - ends[1]!;
      sig[sorted.length - 1] = ends[ends.length - 2]! - ends[ends.length - 3]!;
    }
    const sigmas = new Float64Array(n + 1);
    const minSigma = range / Math.min(100, 1 + (n + 1));
    for (let k = 0; k < order.length; k++) sigmas[order[k]!] = Math.min(range, Math.max(minSigma, sig[k]!));
    sigmas[n] = range; // the prior kernel is always as wide as the interval
    const w = new Float64Array(n + 1);
    w.set(defaultWeights(n));
    w[n] = priorWeight;
    let tot = 0;
    for (const x of w) tot += x;
    for (let i = 0; i <= n; i++) w[i] = w[i]! / tot;
    this.mus = mus;
    this.sigmas = sigmas;
    this.weights = w;
    this.logZ = Float64Array.from(mus, (m, i) => Math.log(Math.max(1e-300, normalMass((this.lo - m) / sigmas[i]!, (this.hi - m) / sigmas[i]!))));
  }

  /** One draw: pick a kernel by weight, then a truncated normal by rejection (half its mass is inside). */
  sample(rnd: () => number): number {
    let u = rnd();
    let k = 0;
    while (k < this.weights.length - 1 && u >= this.weights[k]!) u -= this.weights[k++]!;
    const mu = this.mus[k]!;
    const s = this.sigmas[k]!;
    for (let tries = 0; tries < 64; tries++) {
      // Box-Muller from two seeded uniforms.
      const z = Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
      const x = mu + s * z;
      if (x >= this.lo && x <= this.hi) return x;
    }
    return Math.min(this.hi, Math.max(this.lo, mu));
  }

  /** log density (continuous) or log cell mass (grid) of the mixture at x. */
  logPdf(x: number): number {
    const terms = new Float64Array(this.mus.length);
    for (let k = 0; k < this.mus.length; k++) {
      const mu = this.mus[k]!;
      const s = this.sigmas[k]!;
      let lp: number;
      if (this.step > 0) {
        const a = Math.max(this.lo, x - this.step / 2);
        const b = Math.min(this.hi, x + this.step / 2);
        lp = Math.log(Math.max(1e-300, normalMass((a - mu) / s, (b - mu) / s)));
      } else {
        const z = (x - mu) / s;
        lp = -0.5 * z * z - Math.log(s) - LOG_SQRT_2PI;
      }
      terms[k] = Math.log(this.weights[k]!) + lp - this.logZ[k]!;
    }
    return logSumExp(terms);
  }
}

/** Categorical estimator: weighted counts plus a prior spread evenly over the choices. */
export class CategoricalParzen {
  readonly probs: Float64Array;

  constructor(indices: ArrayLike<number>, nChoices: number, priorWeight = 1) {
    const w = defaultWeights(indices.length);
    const p = new Float64Array(nChoices).fill(priorWeight / nChoices);
    for (let i = 0; i < indices.length; i++) p[indices[i]!] += w[i]!;
    let tot = 0;
    for (const x of p) tot += x;
    for (let c = 0; c < nChoices; c++) p[c] = p[c]! / tot;
    this.probs = p;
  }

  sample(rnd: () => number): number {
    let u = rnd();
    for (let c = 0; c < this.probs.length; c++) {
      if (u < this.probs[c]!) return c;
      u -= this.probs[c]!;
    }
    return this.probs.length - 1;
  }

  logPdf(c: number): number {
    return Math.log(this.probs[c]!);
  }
}
