/**
 * Online dynamic weighting of base-model forecasts from their recent out-of-sample performance.
 *
 * Protocol (as the backend's `ServingLayer`): `issue(row, asOf, resolvesAt, forecasts)` returns the
 * combined forecast and records each member's quantiles; `resolve(now, realized)` takes the outcomes of
 * pending forecasts whose `resolvesAt <= now`. An outcome only enters the loss state at the next issue
 * whose `asOf >= resolvesAt` (so even a caller that resolves early cannot leak it into an earlier
 * forecast), and weights are recomputed at most every `reweightEveryMs`.
 *
 * Choices (documented here because they change the numbers):
 * - Loss: mean pinball over p05..p95 (core `meanPinball`, return units) divided by the issue time's
 *   member-average p95 - p05 width. The divisor is the same for every member at that time, so it never
 *   changes which member did better on a row; it stops a few wild hours (10x the usual loss) from
 *   deciding the weights for a week.
 * - Memory: per member, an exponentially weighted mean of those losses with weight 2^(-Δt / halfLife),
 *   Δt measured between outcome publication times (`resolvesAt`), so the state does not depend on how
 *   often `resolve` is called.
 * - Weights: softmax(-eta * L_m / mean(L)), then mixed with the uniform floor:
 *   w_m = floor + (1 - n * floor) * softmax_m. Dividing by the mean loss makes eta unit-free (eta = 20: a
 *   member with 5% lower loss than average gets e^1 ≈ 2.7x the weight of an average one). Default 20
 *   was chosen on real BTC hourly data (two EWMA-vol members, 2022, 2023, 2024 each): eta = 5 barely
 *   moved off equal weights, eta = 20 beat both members and the equal mean in all three years.
 *   A member with no scored outcome yet gets the mean loss (neutral).
 * - Combination: weighted mean of member quantiles per level (then sorted), weighted mean point,
 *   weighted mean of logit(pUp) (log-linear pooling: linear pooling of probabilities is provably
 *   under-confident when members are individually calibrated). Absent members are renormalised out.
 */
import type { QuantileKey, ReturnForecast } from '@satcast/core';
import {
  bandScale,
  combine,
  copyQuantiles,
  decInf,
  encInf,
  fail,
  memberList,
  num,
  checkIssue,
  dueBy,
  pinball,
  presentMembers,
  takeOutcomes,
  type MemberForecasts,
} from './common.js';
import { memberShockSwitch, type ShockSwitch, type ShockState, type ShockSwitchOptions } from './shock.js';

const HOUR = 3_600_000;

export interface DynamicWeightingOptions {
  /** Member (base model) names, in display order. */
  members: string[];
  /** Half-life of the loss memory in hours. Default 168 (one week). */
  halfLifeHours?: number;
  /** Softmax inverse temperature on the loss relative to the mean loss (0 = equal weights). Default 20. */
  eta?: number;
  /** Minimum weight of every member (needs members.length * floor < 1). Default 0.02. */
  floor?: number;
  /** Weights are recomputed at most this often (ms). Default one hour. */
  reweightEveryMs?: number;
  /**
   * How long after `resolvesAt` a row whose outcome is still unknown (`realized` returns undefined) stays
   * pending, e.g. while a late candle is backfilled. Default 0: dropped at the first resolve, as the
   * backend's ServingLayer does.
   */
  missingOutcomeGraceMs?: number;
  /** Optional shock-regime switch (robust member must be one of `members`). */
  shock?: ShockSwitchOptions;
}

/** Extra per-issue inputs. */
export interface IssueContext {
  /** Anomaly score of the issue time in [0, 1] (e.g. isolation forest); drives the shock switch. */
  shockScore?: number;
}

/** Outcome of a row: its realised log return, or undefined if unknown (then the row is dropped). */
export type Realized = (row: number) => number | undefined;

interface Pending {
  seq: number;
  row: number;
  asOf: number;
  resolvesAt: number;
  scale: number;
  q: Record<string, Record<QuantileKey, number>>;
  /** Band as issued, kept for shock rows only (the ACI update scores the widened band). */
  shockBand: Record<QuantileKey, number> | null;
  y?: number;
}

interface MemberLoss {
  s: number;
  w: number;
  t: number | null;
}

/** JSON state of a `DynamicWeighting` (what `serialize` returns and `restore` reads). */
export interface DynamicWeightingState {
  kind: 'dynamic';
  version: 1;
  options: Required<Omit<DynamicWeightingOptions, 'shock'>> & { shock?: ShockSwitchOptions };
  weights: Record<string, number>;
  nextReweight: number | null;
  lastAsOf: number | null;
  seq: number;
  loss: Record<string, MemberLoss>;
  pending: Pending[];
  ready: Pending[];
  shock: ShockState | null;
}

/**
 * Online combiner whose member weights follow recent standardised pinball loss (see module docs).
 * @example
 * const dw = new DynamicWeighting({ members: ['gbdt', 'ridge', 'huber'], shock: { robustMember: 'huber' } });
 * // every hour, in issue order:
 * dw.resolve(now, (row) => realizedReturn[row]);
 * const f = dw.issue(row, now, now + HORIZON_MS['24h'], { gbdt: fg, ridge: fr, huber: fh }, { shockScore });
 * f.info; // { method: 'dynamic', weights: { gbdt: 0.41, ... }, shock: { score, active, widen } }
 * store.put('ensemble-state', JSON.stringify(dw.serialize()));
 */
export class DynamicWeighting {
  readonly members: readonly string[];
  private readonly o: DynamicWeightingState['options'];
  private readonly halfLifeMs: number;
  private readonly shockSwitch: ShockSwitch | undefined;
  private w: Record<string, number>;
  private nextReweight = -Infinity;
  private lastAsOf = -Infinity;
  private seq = 0;
  private readonly loss: Record<string, MemberLoss> = {};
  private pending: Pending[] = [];
  private ready: Pending[] = [];

  constructor(options: DynamicWeightingOptions) {
    if (!options || typeof options !== 'object') fail('options', 'must be an object');
    const members = memberList(options.members);
    const floor = num(options.floor, 'floor', Math.min(0.02, 0.5 / members.length), { min: 0 });
    if (!(floor * members.length < 1)) fail('floor', `must be < 1 / members.length (${(1 / members.length).toFixed(4)}), got ${floor}`);
    this.o = {
      members,
      halfLifeHours: num(options.halfLifeHours, 'halfLifeHours', 168, { gt: 0 }),
      eta: num(options.eta, 'eta', 20, { min: 0, max: 1000 }),
      floor,
      reweightEveryMs: num(options.reweightEveryMs, 'reweightEveryMs', HOUR, { gt: 0 }),
      missingOutcomeGraceMs: num(options.missingOutcomeGraceMs, 'missingOutcomeGraceMs', 0, { min: 0 }),
      ...(options.shock !== undefined ? { shock: { ...options.shock } } : {}),
    };
    this.members = members;
    this.halfLifeMs = this.o.halfLifeHours * HOUR;
    this.shockSwitch = memberShockSwitch(options.shock, members);
    for (const m of members) this.loss[m] = { s: 0, w: 0, t: null };
    this.w = Object.fromEntries(members.map((m) => [m, 1 / members.length]));
  }

  /** Current weights (as of the last reweight), one per member, summing to 1. */
  weights(): Record<string, number> {
    return { ...this.w };
  }

  /** Current exponentially weighted standardised loss per member (NaN before its first outcome). */
  losses(): Record<string, number> {
    return Object.fromEntries(this.members.map((m) => [m, this.loss[m]!.w > 0 ? this.loss[m]!.s / this.loss[m]!.w : Number.NaN]));
  }

  /** Widening factor the shock switch currently applies (1 without a switch). */
  shockWiden(): number {
    return this.shockSwitch?.widenFactor ?? 1;
  }

  /**
   * Combined forecast of `row`, issued at `asOf`, whose outcome is public at `resolvesAt`. Calls must
   * come in non-decreasing `asOf`. `record: false` combines without keeping the row for scoring.
   */
  issue(row: number, asOf: number, resolvesAt: number, forecasts: MemberForecasts, ctx: IssueContext = {}, record = true): ReturnForecast {
    checkIssue(asOf, resolvesAt, this.lastAsOf, ctx.shockScore);
    const present = presentMembers(this.members, forecasts);
    this.lastAsOf = asOf;
    this.fold(asOf);
    if (asOf >= this.nextReweight) {
      this.w = this.computeWeights();
      this.nextReweight = asOf + this.o.reweightEveryMs;
    }
    const score = ctx.shockScore;
    const base = this.shockSwitch ? this.shockSwitch.reweight(this.w, score) : this.w;
    const { forecast, used } = combine(forecasts, present, base, 'logit');
    const info: Record<string, unknown> = { method: 'dynamic', weights: used };
    const missing = this.members.filter((m) => !present.includes(m));
    if (missing.length) info.missing = missing;
    let out: ReturnForecast = { ...forecast, info };
    if (this.shockSwitch) out = this.shockSwitch.widen(out, score);
    if (record) {
      const q: Pending['q'] = {};
      for (const m of present) q[m] = copyQuantiles(forecasts[m]!.quantiles);
      const shockActive = this.shockSwitch?.isActive(score) ?? false;
      this.pending.push({
        seq: this.seq++,
        row,
        asOf,
        resolvesAt,
        scale: bandScale(forecasts, present),
        q,
        shockBand: shockActive ? copyQuantiles(out.quantiles) : null,
      });
    }
    return out;
  }

  /**
   * Take the outcomes of pending forecasts whose `resolvesAt <= now`. `realized(row)` is the row's
   * realised log return; undefined or non-finite drops the row (never scored) once `now` is past
   * `resolvesAt + missingOutcomeGraceMs`.
   */
  resolve(now: number, realized: Realized): void {
    this.pending = takeOutcomes(this.pending, this.ready, now, realized, this.o.missingOutcomeGraceMs);
  }

  /** Fold resolved outcomes with resolvesAt <= cutoff into the loss state, in publication order. */
  private fold(cutoff: number): void {
    if (!this.ready.length) return;
    const { due, rest } = dueBy(this.ready, cutoff);
    if (!due.length) return;
    this.ready = rest;
    for (const p of due) {
      const y = p.y!;
      for (const m of Object.keys(p.q)) {
        const st = this.loss[m]!;
        const l = pinball(p.q[m]!, y) / p.scale;
        if (st.t !== null && p.resolvesAt > st.t) {
          const d = Math.pow(2, -(p.resolvesAt - st.t) / this.halfLifeMs);
          st.s *= d;
          st.w *= d;
        }
        st.s += l;
        st.w += 1;
        st.t = st.t === null ? p.resolvesAt : Math.max(st.t, p.resolvesAt);
      }
      if (p.shockBand && this.shockSwitch) this.shockSwitch.update(p.shockBand, y);
    }
  }

  private computeWeights(): Record<string, number> {
    const n = this.members.length;
    const L: Record<string, number> = {};
    let sum = 0;
    let k = 0;
    for (const m of this.members) {
      const st = this.loss[m]!;
      if (st.w > 0) {
        L[m] = st.s / st.w;
        sum += L[m]!;
        k++;
      }
    }
    if (k === 0 || !(sum > 0)) return Object.fromEntries(this.members.map((m) => [m, 1 / n]));
    const mean = sum / k;
    for (const m of this.members) if (L[m] === undefined) L[m] = mean;
    const z = this.members.map((m) => (-this.o.eta * L[m]!) / mean);
    const zMax = Math.max(...z);
    const e = z.map((v) => Math.exp(v - zMax));
    const eSum = e.reduce((a, b) => a + b, 0);
    const out: Record<string, number> = {};
    this.members.forEach((m, i) => (out[m] = this.o.floor + (1 - n * this.o.floor) * (e[i]! / eSum)));
    return out;
  }

  /** JSON-safe state (options included); `DynamicWeighting.restore(state)` continues exactly where this left off. */
  serialize(): DynamicWeightingState {
    const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
    return {
      kind: 'dynamic',
      version: 1,
      options: clone(this.o),
      weights: { ...this.w },
      nextReweight: encInf(this.nextReweight),
      lastAsOf: encInf(this.lastAsOf),
      seq: this.seq,
      loss: clone(this.loss),
      pending: clone(this.pending),
      ready: clone(this.ready),
      shock: this.shockSwitch ? this.shockSwitch.state() : null,
    };
  }

  /**
   * Rebuild from `serialize()` output (e.g. after JSON.parse). `overrides` may change options, e.g. a new
   * member list when a model is added or retired: new members start without loss history (neutral
   * weight), removed ones are forgotten, and weights are recomputed at the next issue.
   */
  static restore(state: DynamicWeightingState, overrides: Partial<DynamicWeightingOptions> = {}): DynamicWeighting {
    if (!state || state.kind !== 'dynamic') fail('state.kind', 'expected a DynamicWeighting state (kind "dynamic")');
    if (state.version !== 1) fail('state.version', `unsupported version ${String(state.version)}`);
    const dw = new DynamicWeighting({ ...state.options, ...overrides });
    const same = dw.members.length === state.options.members.length && dw.members.every((m, i) => state.options.members[i] === m);
    for (const m of dw.members) {
      const l = state.loss?.[m];
      if (!l) {
        if (same) fail(`state.loss.${m}`, 'missing');
        continue;
      }
      dw.loss[m] = { s: l.s, w: l.w, t: l.t };
    }
    if (same) {
      for (const m of dw.members) {
        const w = state.weights?.[m];
        if (typeof w !== 'number' || !Number.isFinite(w)) fail(`state.weights.${m}`, 'must be a finite number');
      }
      dw.w = { ...state.weights };
    }
    const keepQ = (p: Pending): Pending => (same ? { ...p } : { ...p, q: Object.fromEntries(Object.entries(p.q).filter(([m]) => dw.members.includes(m))) });
    dw.nextReweight = same ? decInf(state.nextReweight, -Infinity) : -Infinity;
    dw.lastAsOf = decInf(state.lastAsOf, -Infinity);
    dw.seq = state.seq;
    dw.pending = state.pending.map(keepQ);
    dw.ready = state.ready.map(keepQ);
    if (dw.shockSwitch && state.shock) dw.shockSwitch.setState(state.shock);
    return dw;
  }
}
