/**
 * GARCH(1,1) (Bollerslev 1986) on one-bar log returns:
 *
 *   r_t = mu + e_t,   e_t = sigma_t z_t,   sigma^2_{t+1} = omega + alpha e_t^2 + beta sigma^2_t
 *
 * fitted by Gaussian quasi-maximum likelihood (default: consistent for the variance parameters even when
 * z_t is fat-tailed, as BTC's is: Bollerslev & Wooldridge 1992; the band's shape comes from conformal
 * quantiles, not from the normal) or by Student-t maximum likelihood (z_t a unit-variance t with nu > 2
 * degrees of freedom, estimated too: more efficient when the tails really are t-like). Constraints omega > 0, alpha, beta >= 0, alpha + beta < 1 hold by construction
 * through the reparametrisation
 *
 *   persistence p = alpha + beta = P_MAX * sigmoid(u),  alpha = p * sigmoid(v),  beta = p - alpha,
 *   unconditional variance vbar = exp(w),  omega = vbar * (1 - p)
 *
 * and (u, v, w) are found by Nelder-Mead from two starts plus a restart. Missing returns (NaN) skip their
 * likelihood term and move the variance by its expectation, sigma^2 <- omega + p sigma^2.
 */
import { nelderMead } from './optim.js';

export interface GarchParams {
  /** Constant mean of the one-bar return (0 with `mean: 'zero'`). */
  mu: number;
  omega: number;
  alpha: number;
  beta: number;
  /** Degrees of freedom of the unit-variance Student-t innovations; absent for the Gaussian likelihood. */
  nu?: number;
}

export interface GarchFit {
  params: GarchParams;
  /** Log-likelihood per used return (Gaussian or Student-t, constants included). */
  logLikPerObs: number;
  /** Finite returns used. */
  n: number;
  evaluations: number;
}

const P_MAX = 0.99995;
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const logit = (p: number) => Math.log(p / (1 - p));

/** Unconditional variance omega / (1 - alpha - beta). */
export function unconditionalVariance(p: GarchParams): number {
  return p.omega / (1 - p.alpha - p.beta);
}

/**
 * Sum of the expected one-bar variances of the next h bars given sigma^2 of the next bar `v1`:
 * sum_{k=1..h} E[sigma^2_{t+k}] = h vbar + (v1 - vbar) (1 - p^h) / (1 - p).
 */
export function garchHorizonVariance(p: GarchParams, v1: number, h: number): number {
  const pers = p.alpha + p.beta;
  const vbar = unconditionalVariance(p);
  const geo = pers > 0 ? (1 - pers ** h) / (1 - pers) : 1;
  return h * vbar + (v1 - vbar) * geo;
}

/** Variance of the next return after observing `r` (NaN = missing: expectation step). */
export function garchStep(p: GarchParams, v: number, r: number): number {
  if (!Number.isFinite(r)) return p.omega + (p.alpha + p.beta) * v;
  const e = r - p.mu;
  return p.omega + p.alpha * e * e + p.beta * v;
}

/**
 * Horizon volatility forecasts from a return series: element i is sqrt(sum of the expected one-bar
 * variances of bars i+1 .. i+h) using returns 0..i only (NaN returns are treated as missing). The filter
 * starts at `sigma2Init` (default: the unconditional variance), so the first few hundred values depend on
 * that start when persistence is high. Use it to size intervals from a fitted GARCH elsewhere.
 * @example
 * const { params } = fitGarch(returns);
 * const vol24 = garchVolatility(returns, params, { horizon: 24 }); // per-row 24-bar sigma
 */
export function garchVolatility(returns: ArrayLike<number>, params: GarchParams, o: { horizon?: number; sigma2Init?: number } = {}): Float64Array {
  const h = o.horizon ?? 1;
  let v = o.sigma2Init ?? unconditionalVariance(params);
  const out = new Float64Array(returns.length);
  for (let i = 0; i < returns.length; i++) {
    v = garchStep(params, v, returns[i]!);
    out[i] = Math.sqrt(garchHorizonVariance(params, v, h));
  }
  return out;
}

const NU_MIN = 2.05;

function unpack(theta: ArrayLike<number>, mu: number): GarchParams {
  const p = P_MAX * sigmoid(theta[0]!);
  const alpha = p * sigmoid(theta[1]!);
  const vbar = Math.exp(theta[2]!);
  const out: GarchParams = { mu, omega: vbar * (1 - p), alpha, beta: p - alpha };
  if (theta.length > 3) out.nu = NU_MIN + Math.exp(theta[3]!);
  return out;
}

/** log Gamma(x) for x > 0 (Lanczos, g = 7, 9 terms; ~1e-15 relative). */
export function logGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * Negative log-likelihood per finite return (Gaussian, or Student-t when `p.nu` is set); sigma^2_0 = `v0`.
 */
export function garchNegLogLik(returns: ArrayLike<number>, p: GarchParams, v0: number): number {
  const nu = p.nu;
  const t = nu !== undefined && Number.isFinite(nu);
  let v = v0;
  let nll = 0;
  let n = 0;
  for (let i = 0; i < returns.length; i++) {
    const r = returns[i]!;
    if (Number.isFinite(r)) {
      const e = r - p.mu;
      nll += t ? Math.log(v) + (nu! + 1) * Math.log1p((e * e) / (v * (nu! - 2))) : Math.log(v) + (e * e) / v;
      n++;
    }
    v = garchStep(p, v, r);
  }
  if (!n) return Number.NaN;
  const c = t ? logGamma(nu! / 2) - logGamma((nu! + 1) / 2) + 0.5 * Math.log(Math.PI * (nu! - 2)) : 0.5 * Math.log(2 * Math.PI);
  return (0.5 * nll) / n + c;
}

export interface GarchFitOptions {
  /** 'zero' (default) or 'constant' (mu = sample mean of the returns). */
  mean?: 'zero' | 'constant';
  /** Likelihood: 'normal' (Gaussian QMLE, default) or 't' (Student-t, nu estimated). */
  distribution?: 'normal' | 't';
  /** Nelder-Mead iterations per start. Default 400 (the t refinement from the Gaussian optimum: twice that). */
  maxIterations?: number;
}

/**
 * Fit GARCH(1,1) by Gaussian QMLE or Student-t ML. The filter starts at the sample variance (a standard
 * backcast).
 * @example
 * const fit = fitGarch(hourlyLogReturns, { mean: 'zero' });
 * fit.params; // { mu, omega, alpha, beta }
 */
export function fitGarch(returns: ArrayLike<number>, o: GarchFitOptions = {}): GarchFit {
  let s = 0, s2 = 0, n = 0;
  for (let i = 0; i < returns.length; i++) {
    const r = returns[i]!;
    if (Number.isFinite(r)) (s += r), (s2 += r * r), n++;
  }
  if (n < 100) throw new RangeError(`GARCH fit needs at least 100 finite returns (got ${n})`);
  const mu = o.mean === 'constant' ? s / n : 0;
  const v0 = Math.max(s2 / n - (o.mean === 'constant' ? mu * mu : 0), 1e-300);
  const f = (th: Float64Array) => {
    const val = garchNegLogLik(returns, unpack(th, mu), v0);
    return Number.isFinite(val) ? val : Number.POSITIVE_INFINITY;
  };
  const tDist = o.distribution === 't';
  const iters = o.maxIterations ?? 400;
  const lv = Math.log(v0);
  let evaluations = 0;
  let best: { x: Float64Array; f: number } | null = null;
  const fNormal = tDist ? (th: Float64Array) => f(th.subarray(0, 3)) : f;
  for (const [pers, share] of [
    [0.97, 0.08],
    [0.85, 0.3],
  ] as const) {
    const r = nelderMead(fNormal, Float64Array.of(logit(pers / P_MAX), logit(share), lv), { step: 0.5, maxIterations: iters });
    evaluations += r.evaluations;
    if (!best || r.f < best.f) best = r;
  }
  // restart from the best point with a fresh simplex (guards against a collapsed simplex); the t
  // likelihood starts from the Gaussian optimum with nu = 8
  const x0 = tDist ? Float64Array.of(...best!.x, Math.log(8 - NU_MIN)) : best!.x;
  if (tDist) best = { x: x0, f: f(x0) };
  const r = nelderMead(f, x0, { step: tDist ? 0.3 : 0.1, maxIterations: tDist ? 2 * iters : iters });
  evaluations += r.evaluations;
  if (r.f < best!.f) best = r;
  return { params: unpack(best!.x, mu), logLikPerObs: -best!.f, n, evaluations };
}
