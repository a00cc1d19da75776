/**
 * HAR-RV (Corsi 2009) on hourly returns. With per-bar realised variances over the last 24 / 168 / 720
 * bars (daily, weekly, monthly: the mean of squared one-bar returns), the per-bar variance of the next h
 * bars, RV_h = mean(r^2_{t+1..t+h}), is regressed by OLS on
 *
 *   log:   log RV_h = b0 + bd log RVd + bw log RVw + bm log RVm + e   (default; forecast exp(.) times the
 *          Duan smearing factor mean(exp(e)), which removes the log-retransformation bias without a
 *          normality assumption)
 *   level: RV_h = b0 + bd RVd + bw RVw + bm RVm + e   (forecast floored at a small positive variance)
 *
 * Missing returns are skipped by the window means (a mean over the finite values present); a window with
 * none borrows the next longer one, and with no data at all the training mean is used.
 */

export type HarTransform = 'log' | 'level';

export interface HarParams {
  transform: HarTransform;
  /** Window lengths (bars): daily, weekly, monthly. */
  windows: [number, number, number];
  /** b0, bd, bw, bm. */
  coef: [number, number, number, number];
  /** Duan smearing factor (log) or 1 (level). */
  smear: number;
  /** Floor applied to variances before taking logs and to forecasts (a small fraction of the mean). */
  floor: number;
  /** Mean per-bar variance of the fit sample (fallback with no data). */
  meanVariance: number;
  /** Rows the regression used and its R^2. */
  n: number;
  r2: number;
}

/**
 * Rolling means of squared returns over the three windows, skipping missing values: running sums and
 * counts per window (O(1) per push), re-summed exactly from the buffer once per longest window so
 * rounding never accumulates.
 */
export class HarWindows {
  private readonly buf: Float64Array;
  /** The raw returns, kept for snapshots. */
  private readonly raw: Float64Array;
  private next = 0;
  private size = 0;
  private pushes = 0;
  private readonly sum = [0, 0, 0];
  private readonly cnt = [0, 0, 0];
  readonly cap: number;
  constructor(readonly windows: readonly [number, number, number]) {
    this.cap = Math.max(...windows);
    this.buf = new Float64Array(this.cap).fill(Number.NaN);
    this.raw = new Float64Array(this.cap).fill(Number.NaN);
  }
  /** The pushed returns still in the longest window, oldest first. */
  returns(): number[] {
    const out: number[] = [];
    for (let k = this.size - 1; k >= 0; k--) out.push(this.raw[this.slot(k)]!);
    return out;
  }
  /** Buffer index of the value pushed k pushes ago. */
  private slot(k: number): number {
    let j = this.next - 1 - k;
    if (j < 0) j += this.cap;
    return j;
  }
  push(r: number): void {
    const x = Number.isFinite(r) ? r * r : Number.NaN;
    for (let w = 0; w < 3; w++) {
      // the value leaving window w is the one pushed windows[w] - 1 pushes before the newest
      if (this.size >= this.windows[w]!) {
        const old = this.buf[this.slot(this.windows[w]! - 1)]!;
        if (Number.isFinite(old)) (this.sum[w]! -= old), this.cnt[w]!--;
      }
      if (Number.isFinite(x)) (this.sum[w]! += x), this.cnt[w]!++;
    }
    this.raw[this.next] = r;
    this.buf[this.next] = x;
    this.next = (this.next + 1) % this.cap;
    if (this.size < this.cap) this.size++;
    if (++this.pushes % this.cap === 0) this.resync();
  }
  private resync(): void {
    for (let w = 0; w < 3; w++) {
      let s = 0, c = 0;
      for (let k = 0; k < Math.min(this.size, this.windows[w]!); k++) {
        const v = this.buf[this.slot(k)]!;
        if (Number.isFinite(v)) (s += v), c++;
      }
      this.sum[w] = s;
      this.cnt[w] = c;
    }
  }
  /** [daily, weekly, monthly] mean squared return over the finite values in each window (NaN when none). */
  means(out: Float64Array): Float64Array {
    for (let w = 0; w < 3; w++) out[w] = this.cnt[w]! ? Math.max(0, this.sum[w]!) / this.cnt[w]! : Number.NaN;
    return out;
  }
  /** True once the longest window has been filled (with finite or missing values). */
  get full(): boolean {
    return this.size === this.cap;
  }
}

/** Regressors of one row, with fallbacks: missing daily takes weekly, missing weekly takes monthly. */
function fillRegressors(m: Float64Array, fallback: number): void {
  if (!Number.isFinite(m[2]!)) m[2] = fallback;
  if (!Number.isFinite(m[1]!)) m[1] = m[2]!;
  if (!Number.isFinite(m[0]!)) m[0] = m[1]!;
}

/** Per-bar variance forecast for the next h bars from window means `m` (already filled). */
export function harForecast(p: HarParams, m: ArrayLike<number>): number {
  const [b0, bd, bw, bm] = p.coef;
  if (p.transform === 'log') {
    const l = (x: number) => Math.log(Math.max(x, p.floor));
    return Math.max(p.floor, Math.exp(b0 + bd * l(m[0]!) + bw * l(m[1]!) + bm * l(m[2]!)) * p.smear);
  }
  return Math.max(p.floor, b0 + bd * m[0]! + bw * m[1]! + bm * m[2]!);
}

/** Solve the symmetric positive-definite system A x = b (4x4, in place) by Gaussian elimination with pivoting. */
function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r]![c]!) > Math.abs(A[piv]![c]!)) piv = r;
    [A[c], A[piv]] = [A[piv]!, A[c]!];
    [b[c], b[piv]] = [b[piv]!, b[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = A[r]![c]! / A[c]![c]!;
      for (let k = c; k < n; k++) A[r]![k]! -= f * A[c]![k]!;
      b[r]! -= f * b[c]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r]!;
    for (let k = r + 1; k < n; k++) s -= A[r]![k]! * x[k]!;
    x[r] = s / A[r]![r]!;
  }
  return x;
}

export interface HarFitOptions {
  transform?: HarTransform;
  windows?: [number, number, number];
  /** Use at most the last this many rows. */
  maxRows?: number;
}

/**
 * Fit HAR-RV for an h-bar horizon on a consecutive one-bar return series (NaN = missing bar). Row t uses
 * returns 0..t for its regressors and t+1..t+h for its target; only rows with a full longest window, a
 * full finite target window and finite regressors enter the regression.
 * @example
 * const p = fitHar(hourlyLogReturns, 24); // 24-bar horizon, log HAR
 * harForecast(p, [rvDaily, rvWeekly, rvMonthly]) * 24; // variance of the next 24 bars' return
 */
export function fitHar(returns: ArrayLike<number>, h: number, o: HarFitOptions = {}): HarParams {
  const windows = o.windows ?? [24, 168, 720];
  const transform = o.transform ?? 'log';
  const n = returns.length;
  const sq = Float64Array.from({ length: n }, (_, i) => (Number.isFinite(returns[i]!) ? returns[i]! * returns[i]! : Number.NaN));
  let tot = 0, cnt = 0;
  for (const v of sq) if (Number.isFinite(v)) (tot += v), cnt++;
  if (cnt < 100) throw new RangeError(`HAR fit needs at least 100 finite returns (got ${cnt})`);
  const meanVariance = tot / cnt;
  const floor = meanVariance * 1e-3;
  const w = new HarWindows(windows);
  const m = new Float64Array(3);
  const X: number[][] = [];
  const Y: number[] = [];
  const tf = (x: number) => (transform === 'log' ? Math.log(Math.max(x, floor)) : x);
  // target: mean of the next h squared returns, by a running window over sq
  for (let t = 0; t + h < n; t++) {
    w.push(returns[t]!);
    if (!w.full) continue;
    w.means(m);
    if (!(Number.isFinite(m[0]!) && Number.isFinite(m[1]!) && Number.isFinite(m[2]!))) continue;
    let s = 0;
    let ok = true;
    for (let k = 1; k <= h; k++) {
      const v = sq[t + k]!;
      if (!Number.isFinite(v)) {
        ok = false;
        break;
      }
      s += v;
    }
    if (!ok) continue;
    X.push([1, tf(m[0]!), tf(m[1]!), tf(m[2]!)]);
    Y.push(tf(s / h));
  }
  const start = o.maxRows ? Math.max(0, X.length - o.maxRows) : 0;
  const rows = X.length - start;
  if (rows < 50) throw new RangeError(`HAR fit needs at least 50 complete rows (got ${rows})`);
  const A = [0, 1, 2, 3].map(() => [0, 0, 0, 0]);
  const b = [0, 0, 0, 0];
  for (let i = start; i < X.length; i++) {
    const x = X[i]!;
    for (let a = 0; a < 4; a++) {
      b[a]! += x[a]! * Y[i]!;
      for (let c = 0; c < 4; c++) A[a]![c]! += x[a]! * x[c]!;
    }
  }
  // a tiny ridge on the slopes keeps the (collinear) system solvable; scaled to the diagonal
  for (let a = 1; a < 4; a++) A[a]![a]! += 1e-9 * A[a]![a]!;
  const coef = solve(A, b) as [number, number, number, number];
  let smear = 0, sse = 0, my = 0;
  for (let i = start; i < X.length; i++) my += Y[i]! / rows;
  let sst = 0;
  for (let i = start; i < X.length; i++) {
    const x = X[i]!;
    const e = Y[i]! - (coef[0] + coef[1] * x[1]! + coef[2] * x[2]! + coef[3] * x[3]!);
    sse += e * e;
    sst += (Y[i]! - my) ** 2;
    smear += Math.exp(e) / rows;
  }
  return { transform, windows, coef, smear: transform === 'log' ? smear : 1, floor, meanVariance, n: rows, r2: sst > 0 ? 1 - sse / sst : 0 };
}

/** Window means of `w`, filled with the fallbacks, ready for `harForecast`. */
export function harRegressors(p: HarParams, w: HarWindows, out: Float64Array): Float64Array {
  w.means(out);
  fillRegressors(out, p.meanVariance);
  return out;
}
