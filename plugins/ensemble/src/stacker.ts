/**
 * Stacking: a meta-model fitted on base models' out-of-fold forecasts (from the walk-forward) and the
 * realised returns.
 *
 * - Quantiles: per level τ, member weights on the simplex plus an intercept shift minimising mean pinball
 *   loss. The shift is the τ-quantile of the weighted forecast's residuals (the conformal residual
 *   quantile; for fixed weights it is the exact pinball minimiser), re-solved at every exponentiated
 *   gradient step, so weights and shift are fitted jointly.
 * - Point: simplex weights minimising squared (default) or absolute error; no intercept unless
 *   `pointIntercept` (an in-sample mean return is mostly drift noise).
 * - pUp: L2-penalised logistic regression on the members' standardised logit(pUp) (Platt-like); with
 *   fewer than `minRowsPUp` rows, the equal-weight logit pool shrunk halfway to 0.5.
 *
 * All losses are computed on rows divided by the row's member-average p95 - p05 width (the same
 * standardisation as `DynamicWeighting`), so calm and wild periods count alike; the shift is learnt in
 * those units and scaled back by the predicted row's width. Rows with a member absent are skipped by the
 * fit; at predict time absent members are renormalised out of each level's weights.
 *
 * Defence in depth: `fit(rows, fitTime)` drops every row whose outcome was not public at `fitTime`
 * (`resolvesAt > fitTime`), whatever the caller guarantees.
 */
import { QUANTILE_LEVELS, type QuantileKey, type ReturnForecast } from '@satcast/core';
import {
  KEYS,
  bandScale,
  combine,
  decInf,
  encInf,
  fail,
  logit,
  memberList,
  num,
  presentMembers,
  sigmoid,
  sortQuantiles,
  usable,
  checkIssue,
  dueBy,
  takeOutcomes,
  type MemberForecasts,
} from './common.js';
import { memberShockSwitch, type ShockSwitch, type ShockState, type ShockSwitchOptions } from './shock.js';
import { fitSimplex } from './simplex.js';
import type { IssueContext, Realized } from './dynamic.js';

const DAY = 86_400_000;

export interface StackerOptions {
  members: string[];
  /** Exponentiated-gradient iterations per target (stops early once converged). Default 100. */
  iterations?: number;
  /** Fewer usable rows than this: equal weights, no shift. Default 100. */
  minRows?: number;
  /** Fewer usable rows than this: pUp is the shrunk equal-weight pool instead of the logistic fit. Default 200. */
  minRowsPUp?: number;
  /** L2 penalty on the logistic slopes (standardised features, mean log-loss scale). Default 0.01. */
  l2?: number;
  /** Loss of the point weights. Default 'squared'. */
  pointLoss?: 'squared' | 'absolute';
  /** Fit an intercept for the point forecast too. Default false. */
  pointIntercept?: boolean;
}

/** One out-of-fold row: every member's forecast issued before the fit, and the realised log return. */
export interface StackRow {
  forecasts: MemberForecasts;
  realized: number;
  /** When `realized` became public; rows with resolvesAt > fitTime are dropped. */
  resolvesAt: number;
  /** Set by `OnlineStacker` with a shock switch: the row was issued in the shock regime. */
  shock?: boolean;
}

/** Fitted parameters of a `Stacker` (JSON-safe). */
export interface StackerParams {
  /** Per quantile level and 'point': member weights (sum 1). */
  weights: Record<QuantileKey | 'point', Record<string, number>>;
  /** Per quantile level and 'point': intercept in band-width units. */
  shifts: Record<QuantileKey | 'point', number>;
  /** Logistic pUp model on standardised member logits, or null (shrunk pool). */
  pUp: { bias: number; slope: Record<string, number>; mean: Record<string, number>; sd: Record<string, number> } | null;
  fitted: boolean;
  fitTime: number | null;
  nRows: number;
  dropped: { unresolved: number; incomplete: number };
  /** In-sample standardised pinball of the stack per level (diagnostic). */
  inSampleLoss: Partial<Record<QuantileKey, number>>;
}

/** JSON state of a `Stacker`. */
export interface StackerState {
  kind: 'stack';
  version: 1;
  options: Required<StackerOptions>;
  params: StackerParams;
}

const TARGETS = [...KEYS, 'point'] as const;

/** Float64Array of length n from f(t) (a plain loop: TypedArray.from with a map function is ~50x slower in V8). */
function fill(n: number, f: (t: number) => number): Float64Array {
  const out = new Float64Array(n);
  for (let t = 0; t < n; t++) out[t] = f(t);
  return out;
}

function equalParams(members: readonly string[]): StackerParams {
  const eq = Object.fromEntries(members.map((m) => [m, 1 / members.length]));
  const weights = {} as StackerParams['weights'];
  const shifts = {} as StackerParams['shifts'];
  for (const k of TARGETS) {
    weights[k] = { ...eq };
    shifts[k] = 0;
  }
  return { weights, shifts, pUp: null, fitted: false, fitTime: null, nRows: 0, dropped: { unresolved: 0, incomplete: 0 }, inSampleLoss: {} };
}

/**
 * L2-penalised logistic regression by Newton's method: minimise mean log-loss + (l2 / 2) * |a|^2 over
 * bias b and slopes a. `Z[i]` is feature i per row (already standardised).
 */
function fitLogistic(Z: Float64Array[], up: Uint8Array, l2: number): { bias: number; a: number[] } {
  const m = Z.length;
  const n = up.length;
  const d = m + 1;
  const beta = new Array<number>(d).fill(0);
  let pos = 0;
  for (let t = 0; t < n; t++) pos += up[t]!;
  beta[0] = logit((pos + 1) / (n + 2));
  for (let iter = 0; iter < 30; iter++) {
    const g = new Array<number>(d).fill(0);
    const H = Array.from({ length: d }, () => new Array<number>(d).fill(0));
    for (let t = 0; t < n; t++) {
      let s = beta[0]!;
      for (let i = 0; i < m; i++) s += beta[i + 1]! * Z[i]![t]!;
      const p = sigmoid(s);
      const r = p - up[t]!;
      const v = p * (1 - p);
      const x = (j: number) => (j === 0 ? 1 : Z[j - 1]![t]!);
      for (let j = 0; j < d; j++) {
        const xj = x(j);
        g[j]! += r * xj;
        for (let k = j; k < d; k++) H[j]![k]! += v * xj * x(k);
      }
    }
    for (let j = 0; j < d; j++) {
      g[j] = g[j]! / n + (j > 0 ? l2 * beta[j]! : 0);
      for (let k = j; k < d; k++) {
        H[j]![k] = H[j]![k]! / n + (j === k && j > 0 ? l2 : 0) + (j === k ? 1e-9 : 0);
        H[k]![j] = H[j]![k]!;
      }
    }
    const step = solve(H, g);
    if (!step) break;
    let size = 0;
    for (let j = 0; j < d; j++) {
      beta[j] = beta[j]! - step[j]!;
      size += Math.abs(step[j]!);
    }
    if (size < 1e-10) break;
  }
  return { bias: beta[0]!, a: beta.slice(1) };
}

/** Solve A x = b by Gaussian elimination with partial pivoting (copies A, b); null if singular. */
function solve(A: number[][], b: number[]): number[] | null {
  const n = b.length;
  const M = A.map((r, i) => [...r, b[i]!]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[piv]![c]!)) piv = r;
    if (!(Math.abs(M[piv]![c]!) > 1e-14)) return null;
    [M[c], M[piv]] = [M[piv]!, M[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = M[r]![c]! / M[c]![c]!;
      for (let k = c; k <= n; k++) M[r]![k]! -= f * M[c]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = M[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= M[r]![k]! * x[k]!;
    x[r] = s / M[r]![r]!;
  }
  return x;
}

function stackerOptions(o: StackerOptions): Required<StackerOptions> {
  if (!o || typeof o !== 'object') fail('options', 'must be an object');
  const pointLoss = o.pointLoss ?? 'squared';
  if (pointLoss !== 'squared' && pointLoss !== 'absolute') fail('pointLoss', `must be 'squared' or 'absolute', got ${String(pointLoss)}`);
  if (o.pointIntercept !== undefined && typeof o.pointIntercept !== 'boolean') fail('pointIntercept', 'must be a boolean');
  return {
    members: memberList(o.members),
    iterations: num(o.iterations, 'iterations', 100, { min: 1, max: 100_000, int: true }),
    minRows: num(o.minRows, 'minRows', 100, { min: 1, int: true }),
    minRowsPUp: num(o.minRowsPUp, 'minRowsPUp', 200, { min: 1, int: true }),
    l2: num(o.l2, 'l2', 0.01, { min: 0 }),
    pointLoss,
    pointIntercept: o.pointIntercept ?? false,
  };
}

/**
 * Simplex-weight stacking meta-model over member forecasts (see module docs).
 * @example
 * const st = new Stacker({ members: ['gbdt', 'ridge', 'lstm'] });
 * st.fit(oofRows, fitTime);                 // rows: { forecasts, realized, resolvesAt }
 * const f = st.predict({ gbdt: fg, ridge: fr, lstm: fl });
 * f.info; // { method: 'stack', weights: { gbdt: 0.5, ... }, levelWeights: { p05: {...}, ..., point: {...} }, shifts }
 */
export class Stacker {
  readonly members: readonly string[];
  private readonly o: Required<StackerOptions>;
  private p: StackerParams;

  constructor(options: StackerOptions) {
    this.o = stackerOptions(options);
    this.members = this.o.members;
    this.p = equalParams(this.members);
  }

  /** Fitted parameters (a copy). */
  params(): StackerParams {
    return JSON.parse(JSON.stringify(this.p)) as StackerParams;
  }

  /**
   * Fit on out-of-fold rows whose outcome was public at `fitTime`. Rows with `resolvesAt > fitTime`, a
   * non-finite realised value or an absent member are dropped (counted in `params().dropped`).
   */
  fit(rows: readonly StackRow[], fitTime: number): this {
    if (!Array.isArray(rows)) fail('rows', 'must be an array of { forecasts, realized, resolvesAt }');
    if (typeof fitTime !== 'number' || Number.isNaN(fitTime)) fail('fitTime', `must be a time in ms, got ${String(fitTime)}`);
    const ms = this.members;
    let unresolved = 0;
    let incomplete = 0;
    const use: StackRow[] = [];
    for (const r of rows) {
      if (!(typeof r?.resolvesAt === 'number' && r.resolvesAt <= fitTime)) {
        unresolved++;
        continue;
      }
      if (!Number.isFinite(r.realized) || !r.forecasts || !ms.every((m) => usable(r.forecasts[m]))) {
        incomplete++;
        continue;
      }
      use.push(r);
    }
    const n = use.length;
    const p = equalParams(ms);
    p.fitTime = fitTime;
    p.nRows = n;
    p.dropped = { unresolved, incomplete };
    if (n >= this.o.minRows) {
      const scale = fill(n, (t) => bandScale(use[t]!.forecasts, ms));
      const y = fill(n, (t) => use[t]!.realized / scale[t]!);
      // cols[target][member]: standardised member forecasts, read in one pass over the rows.
      const cols = Object.fromEntries(TARGETS.map((k) => [k, ms.map(() => new Float64Array(n))])) as Record<(typeof TARGETS)[number], Float64Array[]>;
      for (let t = 0; t < n; t++) {
        const fs = use[t]!.forecasts;
        const inv = 1 / scale[t]!;
        for (let i = 0; i < ms.length; i++) {
          const f = fs[ms[i]!]!;
          cols.point[i]![t] = f.point * inv;
          for (const k of KEYS) cols[k][i]![t] = f.quantiles[k] * inv;
        }
      }
      for (const k of TARGETS) {
        const X = cols[k];
        const fitK =
          k === 'point'
            ? fitSimplex(X, y, { kind: this.o.pointLoss }, this.o.pointIntercept, this.o.iterations)
            : fitSimplex(X, y, { kind: 'pinball', tau: QUANTILE_LEVELS[k] }, true, this.o.iterations);
        p.weights[k] = Object.fromEntries(ms.map((m, i) => [m, fitK.w[i]!]));
        p.shifts[k] = fitK.intercept;
        if (k !== 'point') p.inSampleLoss[k] = fitK.loss;
      }
    }
    if (n >= this.o.minRowsPUp) {
      const mean: Record<string, number> = {};
      const sd: Record<string, number> = {};
      const Z = ms.map((m) => {
        const z = fill(n, (t) => logit(use[t]!.forecasts[m]!.pUp));
        let s = 0;
        let s2 = 0;
        for (const v of z) {
          s += v;
          s2 += v * v;
        }
        const mu = s / n;
        const sdv = Math.sqrt(Math.max(0, s2 / n - mu * mu));
        mean[m] = mu;
        sd[m] = sdv > 1e-9 ? sdv : 1;
        for (let t = 0; t < n; t++) z[t] = (z[t]! - mu) / sd[m]!;
        return z;
      });
      const up = new Uint8Array(n);
      for (let t = 0; t < n; t++) up[t] = use[t]!.realized > 0 ? 1 : 0;
      const lr = fitLogistic(Z, up, this.o.l2);
      p.pUp = { bias: lr.bias, slope: Object.fromEntries(ms.map((m, i) => [m, lr.a[i]!])), mean, sd };
    }
    p.fitted = n >= this.o.minRows;
    this.p = p;
    return this;
  }

  /**
   * Stacked forecast from member forecasts (absent members renormalised out). `adjust` may rescale the
   * weights of every target before renormalisation (the shock switch boosts its robust member this way).
   */
  predict(forecasts: MemberForecasts, adjust?: (w: Readonly<Record<string, number>>) => Record<string, number>): ReturnForecast {
    const present = presentMembers(this.members, forecasts);
    const scale = bandScale(forecasts, present);
    const q = {} as Record<QuantileKey, number>;
    const levelWeights = {} as Record<QuantileKey | 'point', Record<string, number>>;
    let point = 0;
    for (const k of TARGETS) {
      const w = adjust ? adjust(this.p.weights[k]) : this.p.weights[k];
      const { forecast, used } = combine(forecasts, present, w, 'logit');
      levelWeights[k] = used;
      if (k === 'point') point = forecast.point + this.p.shifts.point * scale;
      else {
        let v = 0;
        for (const m of present) v += used[m]! * forecasts[m]!.quantiles[k];
        q[k] = v + this.p.shifts[k] * scale;
      }
    }
    let pUp: number;
    const lr = this.p.pUp;
    if (lr) {
      let zFill = 0;
      for (const m of present) zFill += logit(forecasts[m]!.pUp);
      zFill /= present.length;
      let s = lr.bias;
      for (const m of this.members) {
        const z = present.includes(m) ? logit(forecasts[m]!.pUp) : zFill;
        s += lr.slope[m]! * ((z - lr.mean[m]!) / lr.sd[m]!);
      }
      pUp = sigmoid(s);
    } else {
      const eq = combine(forecasts, present, {}, 'logit').forecast.pUp;
      pUp = 0.5 + 0.5 * (eq - 0.5);
    }
    const summary: Record<string, number> = {};
    for (const m of present) summary[m] = KEYS.reduce((a, k) => a + levelWeights[k][m]!, 0) / KEYS.length;
    const info: Record<string, unknown> = {
      method: 'stack',
      weights: summary,
      levelWeights,
      shifts: { ...this.p.shifts },
      fitted: this.p.fitted,
      pUpModel: lr ? 'logistic' : 'shrunk-pool',
    };
    const missing = this.members.filter((m) => !present.includes(m));
    if (missing.length) info.missing = missing;
    return { point, quantiles: sortQuantiles(q), pUp, info };
  }

  /** JSON-safe state; `Stacker.restore(state)` predicts identically. */
  serialize(): StackerState {
    return { kind: 'stack', version: 1, options: { ...this.o, members: [...this.o.members] }, params: this.params() };
  }

  /** Rebuild from `serialize()` output. */
  static restore(state: StackerState): Stacker {
    if (!state || state.kind !== 'stack') fail('state.kind', 'expected a Stacker state (kind "stack")');
    if (state.version !== 1) fail('state.version', `unsupported version ${String(state.version)}`);
    const s = new Stacker(state.options);
    for (const k of TARGETS) {
      const w = state.params?.weights?.[k];
      if (!w || !s.members.every((m) => Number.isFinite(w[m]))) fail(`state.params.weights.${k}`, 'must give a finite weight per member');
    }
    s.p = JSON.parse(JSON.stringify(state.params)) as StackerParams;
    return s;
  }
}

export interface OnlineStackerOptions extends StackerOptions {
  /** Refit period (ms). Default 7 days. */
  refitEveryMs?: number;
  /** Most recent resolved rows kept for fitting. Default 24 * 180. */
  maxRows?: number;
  /** Rows whose outcome is older than this (ms, at fit time) are dropped. Default 365 days. */
  maxAgeMs?: number;
  /** How long an unknown outcome stays pending after `resolvesAt` (see DynamicWeighting). Default 0. */
  missingOutcomeGraceMs?: number;
  /** Optional shock-regime switch (robust member must be one of `members`). */
  shock?: ShockSwitchOptions;
}

interface OnlinePending {
  seq: number;
  row: number;
  asOf: number;
  resolvesAt: number;
  forecasts: Record<string, ReturnForecast>;
  shockBand: Record<QuantileKey, number> | null;
  y?: number;
}

/** JSON state of an `OnlineStacker`. */
export interface OnlineStackerState {
  kind: 'online-stack';
  version: 1;
  options: OnlineStackerOptions;
  stacker: StackerState;
  nextRefit: number | null;
  lastAsOf: number | null;
  seq: number;
  history: StackRow[];
  pending: OnlinePending[];
  ready: OnlinePending[];
  shock: ShockState | null;
}

const strip = (f: ReturnForecast): ReturnForecast => ({ point: f.point, quantiles: { ...f.quantiles }, pUp: f.pUp });

/**
 * Online stacking with the issue/resolve protocol: keeps a bounded history of resolved out-of-sample
 * rows and refits the `Stacker` every `refitEveryMs` at an issue time, from rows public by then. With a
 * shock switch, the fit uses calm rows only (shock rows get the switch's boost and learned widening).
 * Before the first fit with enough rows it serves equal weights (info.fitted false).
 * @example
 * const os = new OnlineStacker({ members: ['gbdt', 'ridge'], refitEveryMs: 7 * 86_400_000 });
 * os.resolve(now, (row) => realized[row]);
 * const f = os.issue(row, now, now + 86_400_000, { gbdt: fg, ridge: fr });
 */
export class OnlineStacker {
  readonly members: readonly string[];
  private readonly o: OnlineStackerOptions & { refitEveryMs: number; maxRows: number; maxAgeMs: number; missingOutcomeGraceMs: number };
  private stacker: Stacker;
  private readonly shockSwitch: ShockSwitch | undefined;
  private nextRefit = -Infinity;
  private lastAsOf = -Infinity;
  private seq = 0;
  private history: StackRow[] = [];
  private pending: OnlinePending[] = [];
  private ready: OnlinePending[] = [];

  constructor(options: OnlineStackerOptions) {
    this.stacker = new Stacker(options);
    this.members = this.stacker.members;
    this.o = {
      ...options,
      members: [...this.members],
      refitEveryMs: num(options.refitEveryMs, 'refitEveryMs', 7 * DAY, { gt: 0 }),
      maxRows: num(options.maxRows, 'maxRows', 24 * 180, { min: 1, int: true }),
      maxAgeMs: num(options.maxAgeMs, 'maxAgeMs', 365 * DAY, { gt: 0 }),
      missingOutcomeGraceMs: num(options.missingOutcomeGraceMs, 'missingOutcomeGraceMs', 0, { min: 0 }),
    };
    this.shockSwitch = memberShockSwitch(options.shock, this.members);
  }

  /** Parameters of the current fit. */
  params(): StackerParams {
    return this.stacker.params();
  }

  /** Resolved rows currently kept for fitting. */
  historySize(): number {
    return this.history.length;
  }

  /** Stacked forecast of `row` issued at `asOf` (non-decreasing), public at `resolvesAt`. */
  issue(row: number, asOf: number, resolvesAt: number, forecasts: MemberForecasts, ctx: IssueContext = {}, record = true): ReturnForecast {
    checkIssue(asOf, resolvesAt, this.lastAsOf, ctx.shockScore);
    const present = presentMembers(this.members, forecasts);
    this.lastAsOf = asOf;
    this.fold(asOf);
    if (asOf >= this.nextRefit) {
      const minT = asOf - this.o.maxAgeMs;
      this.history = this.history.filter((r) => r.resolvesAt >= minT);
      // With a shock switch, shock rows are the switch's business: fitting the shifts on them too would
      // widen every calm band. Fall back to all rows while calm ones are too few.
      const calm = this.shockSwitch ? this.history.filter((r) => !r.shock) : this.history;
      this.stacker.fit(calm.length >= (this.o.minRows ?? 100) ? calm : this.history, asOf);
      this.nextRefit = asOf + this.o.refitEveryMs;
    }
    const score = ctx.shockScore;
    const sw = this.shockSwitch;
    let out = this.stacker.predict(forecasts, sw ? (w) => sw.reweight(w, score) : undefined);
    if (sw) out = sw.widen(out, score);
    if (record) {
      const fs: Record<string, ReturnForecast> = {};
      for (const m of present) fs[m] = strip(forecasts[m]!);
      this.pending.push({ seq: this.seq++, row, asOf, resolvesAt, forecasts: fs, shockBand: sw?.isActive(score) ? { ...out.quantiles } : null });
    }
    return out;
  }

  /** Take outcomes of pending forecasts with `resolvesAt <= now` (unknown ones dropped after `missingOutcomeGraceMs`). */
  resolve(now: number, realized: Realized): void {
    this.pending = takeOutcomes(this.pending, this.ready, now, realized, this.o.missingOutcomeGraceMs);
  }

  private fold(cutoff: number): void {
    const { due, rest } = dueBy(this.ready, cutoff);
    if (!due.length) return;
    this.ready = rest;
    for (const p of due) {
      this.history.push({ forecasts: p.forecasts, realized: p.y!, resolvesAt: p.resolvesAt, ...(p.shockBand ? { shock: true } : {}) });
      if (p.shockBand && this.shockSwitch) this.shockSwitch.update(p.shockBand, p.y!);
    }
    if (this.history.length > this.o.maxRows) this.history.splice(0, this.history.length - this.o.maxRows);
  }

  /** JSON-safe state; `OnlineStacker.restore(state)` continues identically. */
  serialize(): OnlineStackerState {
    const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
    return {
      kind: 'online-stack',
      version: 1,
      options: clone(this.o),
      stacker: this.stacker.serialize(),
      nextRefit: encInf(this.nextRefit),
      lastAsOf: encInf(this.lastAsOf),
      seq: this.seq,
      history: clone(this.history),
      pending: clone(this.pending),
      ready: clone(this.ready),
      shock: this.shockSwitch ? this.shockSwitch.state() : null,
    };
  }

  /** Rebuild from `serialize()` output. */
  static restore(state: OnlineStackerState): OnlineStacker {
    if (!state || state.kind !== 'online-stack') fail('state.kind', 'expected an OnlineStacker state (kind "online-stack")');
    if (state.version !== 1) fail('state.version', `unsupported version ${String(state.version)}`);
    const os = new OnlineStacker(state.options);
    os.stacker = Stacker.restore(state.stacker);
    os.nextRefit = decInf(state.nextRefit, -Infinity);
    os.lastAsOf = decInf(state.lastAsOf, -Infinity);
    os.seq = state.seq;
    os.history = state.history.map((r) => ({ ...r }));
    os.pending = state.pending.map((p) => ({ ...p }));
    os.ready = state.ready.map((p) => ({ ...p }));
    if (os.shockSwitch && state.shock) os.shockSwitch.setState(state.shock);
    return os;
  }
}
