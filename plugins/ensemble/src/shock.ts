/**
 * Shock-regime handling shared by the combiners: when the anomaly score of an issue time (e.g. an
 * isolation-forest feature in [0, 1]) reaches `threshold`, the robust member's weight is multiplied by
 * `boost` (then weights renormalise) and the band around the median is widened by a scale learned online
 * from past shock rows only, ACI-style (Gibbs & Candès 2021, multiplicative form, as core `AdaptiveBand`):
 * after each resolved shock row, log s += gamma * (miss - (1 - target)). Calm rows never move s, so a
 * shock regime learns its own widening without loosening calm bands.
 */
import type { QuantileKey, ReturnForecast } from '@satcast/core';
import { KEYS, fail, num } from './common.js';

export interface ShockSwitchOptions {
  /** Member to favour in shocks (e.g. `huber`). Optional: without it only the band widens. */
  robustMember?: string;
  /** Anomaly score at or above which the shock regime is active. Default 0.6. */
  threshold?: number;
  /** Multiplier on the robust member's weight in shocks (>= 1; renormalised after). Default 3. */
  boost?: number;
  /** ACI step on log scale per resolved shock row. Default 0.05. */
  gamma?: number;
  /** Target coverage of p05..p95 on shock rows. Default 0.9. */
  target?: number;
  /** Bounds of the widening factor. Default [1, 6] (shocks never narrow the band). */
  minWiden?: number;
  maxWiden?: number;
  /** Starting widening factor. Default 1.5. */
  initialWiden?: number;
}

/** What a combined forecast records about the shock regime (`info.shock`). */
export interface ShockInfo {
  score: number | null;
  active: boolean;
  widen: number;
}

/** Serialised state of a `ShockSwitch`. */
export interface ShockState {
  logWiden: number;
  seen: number;
  misses: number;
}

/**
 * Online shock-regime switch: reweighting toward a robust member plus an ACI-learned band widening on
 * shock rows. Used through the `shock` option of `DynamicWeighting` and `OnlineStacker`, or directly.
 * @example
 * const sw = new ShockSwitch({ robustMember: 'huber' });
 * const w = sw.reweight({ gbdt: 0.7, huber: 0.3 }, 0.8);   // huber boosted
 * const f = sw.widen(combined, 0.8);                         // band widened, info.shock recorded
 * sw.update(f.quantiles, realized);                          // later, once the outcome is public
 */
export class ShockSwitch {
  readonly robustMember: string | undefined;
  readonly threshold: number;
  private readonly boost: number;
  private readonly gamma: number;
  private readonly alpha: number;
  private readonly lo: number;
  private readonly hi: number;
  private logWiden: number;
  /** Resolved shock rows and misses among them (diagnostics). */
  seen = 0;
  misses = 0;

  constructor(o: ShockSwitchOptions = {}, field = 'shock') {
    if (o === null || typeof o !== 'object') fail(field, 'must be an object');
    if (o.robustMember !== undefined && (typeof o.robustMember !== 'string' || !o.robustMember)) fail(`${field}.robustMember`, 'must be a non-empty string');
    this.robustMember = o.robustMember;
    this.threshold = num(o.threshold, `${field}.threshold`, 0.6, { min: 0, max: 1 });
    this.boost = num(o.boost, `${field}.boost`, 3, { min: 1 });
    this.gamma = num(o.gamma, `${field}.gamma`, 0.05, { gt: 0, max: 1 });
    this.alpha = 1 - num(o.target, `${field}.target`, 0.9, { gt: 0, lt: 1 });
    const minW = num(o.minWiden, `${field}.minWiden`, 1, { gt: 0 });
    const maxW = num(o.maxWiden, `${field}.maxWiden`, 6, { gt: 0 });
    if (maxW < minW) fail(`${field}.maxWiden`, `must be >= minWiden (${minW}), got ${maxW}`);
    const init = num(o.initialWiden, `${field}.initialWiden`, Math.min(maxW, Math.max(minW, 1.5)), { min: minW, max: maxW });
    this.lo = Math.log(minW);
    this.hi = Math.log(maxW);
    this.logWiden = Math.log(init);
  }

  /** Current widening factor applied to shock rows. */
  get widenFactor(): number {
    return Math.exp(this.logWiden);
  }

  /** Whether `score` puts the issue time in the shock regime (missing/NaN score: no). */
  isActive(score: number | undefined): boolean {
    return score !== undefined && Number.isFinite(score) && score >= this.threshold;
  }

  /** Weights with the robust member boosted when active (not renormalised: combiners renormalise over present members). */
  reweight(weights: Readonly<Record<string, number>>, score: number | undefined): Record<string, number> {
    const out = { ...weights };
    if (this.isActive(score) && this.robustMember !== undefined && out[this.robustMember] !== undefined) {
      out[this.robustMember] = out[this.robustMember]! * this.boost;
    }
    return out;
  }

  /** Quantiles with the band around the median widened when active (order preserved since factor > 0). */
  widenQuantiles(q: Readonly<Record<QuantileKey, number>>, score: number | undefined): Record<QuantileKey, number> {
    const s = this.isActive(score) ? this.widenFactor : 1;
    const out = {} as Record<QuantileKey, number>;
    for (const k of KEYS) out[k] = q.p50 + s * (q[k] - q.p50);
    return out;
  }

  /** `info.shock` for an issue time with this score. */
  info(score: number | undefined): ShockInfo {
    const active = this.isActive(score);
    return { score: score !== undefined && Number.isFinite(score) ? score : null, active, widen: active ? this.widenFactor : 1 };
  }

  /** Forecast with the band widened when active and `info.shock` recorded. */
  widen(f: ReturnForecast, score: number | undefined): ReturnForecast {
    return { ...f, quantiles: this.widenQuantiles(f.quantiles, score), info: { ...(f.info ?? {}), shock: this.info(score) } };
  }

  /** Feed the outcome of a shock row, with the band as issued (call in publication order, shock rows only). */
  update(issued: Readonly<Record<QuantileKey, number>>, actual: number): void {
    if (!Number.isFinite(actual)) return;
    const miss = actual < issued.p05 || actual > issued.p95 ? 1 : 0;
    this.seen++;
    this.misses += miss;
    this.logWiden = Math.min(this.hi, Math.max(this.lo, this.logWiden + this.gamma * (miss - this.alpha)));
  }

  /** State for persistence. */
  state(): ShockState {
    return { logWiden: this.logWiden, seen: this.seen, misses: this.misses };
  }

  /** Restore state written by `state()`. */
  setState(s: ShockState): void {
    if (!s || !Number.isFinite(s.logWiden)) fail('state.shock.logWiden', 'must be a finite number');
    this.logWiden = s.logWiden;
    this.seen = s.seen ?? 0;
    this.misses = s.misses ?? 0;
  }
}

/** The shock switch of a combiner over `members` (undefined without options); its robust member must be one of them. */
export function memberShockSwitch(o: ShockSwitchOptions | undefined, members: readonly string[]): ShockSwitch | undefined {
  if (o === undefined) return undefined;
  const sw = new ShockSwitch(o);
  const r = sw.robustMember;
  if (r !== undefined && !members.includes(r)) fail('shock.robustMember', `"${r}" is not one of members (${members.join(', ')})`);
  return sw;
}
