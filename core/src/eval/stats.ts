/**
 * Evaluation statistics shared by the backtest, live scores, model cards and the registry's gates, so a
 * number means the same thing wherever it is shown: Wilson intervals for hit rates, the Diebold-Mariano
 * test with a Newey-West (HAC) variance, and the expected calibration error of a probability.
 */

/** Standard normal CDF (Abramowitz-Stegun 7.1.26 erf; |error| < 1.5e-7). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/**
 * Wilson score interval for a proportion k/n (95% by default). Unlike the normal interval it stays inside
 * [0, 1] and behaves at small n.
 * @example wilsonInterval(52, 100) // [0.423, 0.615]
 */
export function wilsonInterval(k: number, n: number, z = 1.959963984540054): [number, number] {
  if (n <= 0) return [Number.NaN, Number.NaN];
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/**
 * Long-run variance of a series (Newey-West, Bartlett weights, `lag` autocovariances). Overlapping
 * h-step forecasts have errors correlated up to lag h-1, so tests on them must use at least that lag.
 */
export function neweyWestLongRunVariance(x: ArrayLike<number>, lag: number): number {
  const n = x.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i]!;
  mean /= n;
  const gamma = (k: number) => {
    let s = 0;
    for (let i = k; i < n; i++) s += (x[i]! - mean) * (x[i - k]! - mean);
    return s / n;
  };
  let v = gamma(0);
  for (let k = 1; k <= Math.min(lag, n - 1); k++) v += 2 * (1 - k / (lag + 1)) * gamma(k);
  return v;
}

export interface DieboldMarianoResult {
  /** Mean loss differential, model minus reference (negative = model better). */
  meanDiff: number;
  statistic: number;
  /** Two-sided p-value (normal reference distribution, with the Harvey-Leybourne-Newbold correction). */
  pValue: number;
  n: number;
  lag: number;
}

/**
 * Diebold-Mariano test of equal predictive accuracy on paired losses (e.g. absolute errors), with a
 * Newey-West variance of the differential. `lag` defaults to `horizonSteps - 1` (at least the overlap of
 * h-step forecasts). Pairs with a non-finite loss are skipped.
 * @example
 * dieboldMariano(modelAbsErr, persistenceAbsErr, { horizonSteps: 24 }).pValue
 */
export function dieboldMariano(
  loss: ArrayLike<number>,
  reference: ArrayLike<number>,
  opts: { horizonSteps?: number; lag?: number } = {},
): DieboldMarianoResult {
  const d: number[] = [];
  for (let i = 0; i < Math.min(loss.length, reference.length); i++) {
    const v = loss[i]! - reference[i]!;
    if (Number.isFinite(v)) d.push(v);
  }
  const h = Math.max(1, opts.horizonSteps ?? 1);
  const lag = opts.lag ?? h - 1;
  const n = d.length;
  if (n < 3) return { meanDiff: Number.NaN, statistic: Number.NaN, pValue: Number.NaN, n, lag };
  const mean = d.reduce((a, b) => a + b, 0) / n;
  const lrv = neweyWestLongRunVariance(d, lag);
  if (!(lrv > 0)) return { meanDiff: mean, statistic: mean === 0 ? 0 : Math.sign(mean) * Infinity, pValue: mean === 0 ? 1 : 0, n, lag };
  const dm = mean / Math.sqrt(lrv / n);
  // Harvey, Leybourne & Newbold (1997) small-sample correction; negligible at our n but standard.
  const hln = Math.sqrt((n + 1 - 2 * h + (h * (h - 1)) / n) / n);
  const statistic = dm * (Number.isFinite(hln) && hln > 0 ? hln : 1);
  return { meanDiff: mean, statistic, pValue: 2 * (1 - normalCdf(Math.abs(statistic))), n, lag };
}

export interface ReliabilityBin {
  lo: number;
  hi: number;
  n: number;
  meanP: number;
  freq: number;
}

/** Equal-width reliability bins of probabilities `p` against 0/1 outcomes `y` (non-finite pairs skipped). */
export function reliabilityBins(p: ArrayLike<number>, y: ArrayLike<number>, bins = 10): ReliabilityBin[] {
  const out = Array.from({ length: bins }, (_, b) => ({ lo: b / bins, hi: (b + 1) / bins, n: 0, sumP: 0, sumY: 0 }));
  for (let i = 0; i < p.length; i++) {
    const pi = p[i]!;
    const yi = y[i]!;
    if (!Number.isFinite(pi) || !Number.isFinite(yi)) continue;
    const b = out[Math.min(bins - 1, Math.max(0, Math.floor(pi * bins)))]!;
    b.n++;
    b.sumP += pi;
    b.sumY += yi;
  }
  return out.map((b) => ({ lo: b.lo, hi: b.hi, n: b.n, meanP: b.n ? b.sumP / b.n : Number.NaN, freq: b.n ? b.sumY / b.n : Number.NaN }));
}

/** Expected calibration error: bin-weighted |mean predicted - observed frequency| (10 equal-width bins). */
export function expectedCalibrationError(p: ArrayLike<number>, y: ArrayLike<number>, bins = 10): number {
  const rb = reliabilityBins(p, y, bins);
  const n = rb.reduce((a, b) => a + b.n, 0);
  if (!n) return Number.NaN;
  return rb.reduce((a, b) => a + (b.n ? (b.n / n) * Math.abs(b.meanP - b.freq) : 0), 0);
}
