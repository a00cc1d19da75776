/**
 * Shared maths of the combiners: quantile keys, logit pooling, weighted combination of member forecasts,
 * option checks that raise core `ValidationError`s naming the field. Pure functions, no Node APIs.
 */
import { QUANTILE_LEVELS, ValidationError, meanPinball, type QuantileKey, type ReturnForecast } from '@satcast/core';

/** Plugin name used in error messages. */
export const PLUGIN = 'ensemble';

/** Quantile keys in ascending level order (p05, p25, p50, p75, p95). */
export const KEYS = (Object.keys(QUANTILE_LEVELS) as QuantileKey[]).sort((a, b) => QUANTILE_LEVELS[a] - QUANTILE_LEVELS[b]);

/** Member forecasts at one issue time, keyed by member name. A member may be absent. */
export type MemberForecasts = Readonly<Record<string, ReturnForecast | undefined>>;

const P_EPS = 1e-6;
/** Logit of a probability clamped to [1e-6, 1 - 1e-6]. */
export const logit = (p: number): number => {
  const q = Math.min(1 - P_EPS, Math.max(P_EPS, p));
  return Math.log(q / (1 - q));
};
/** Logistic function. */
export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Throw a `ValidationError` naming `field`. */
export function fail(field: string, message: string): never {
  throw new ValidationError(`${field}: ${message}`, { plugin: PLUGIN, field, issues: [{ path: field, message }] });
}

/** Validate an optional finite number option and return it or its default. */
export function num(
  value: unknown,
  field: string,
  def: number,
  check: { min?: number; max?: number; gt?: number; lt?: number; int?: boolean } = {},
): number {
  if (value === undefined) return def;
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(field, `must be a finite number, got ${String(value)}`);
  if (check.int && !Number.isInteger(value)) fail(field, `must be an integer, got ${value}`);
  if (check.min !== undefined && value < check.min) fail(field, `must be >= ${check.min}, got ${value}`);
  if (check.max !== undefined && value > check.max) fail(field, `must be <= ${check.max}, got ${value}`);
  if (check.gt !== undefined && !(value > check.gt)) fail(field, `must be > ${check.gt}, got ${value}`);
  if (check.lt !== undefined && !(value < check.lt)) fail(field, `must be < ${check.lt}, got ${value}`);
  return value;
}

/** Validate a non-empty list of unique, non-empty member names. */
export function memberList(value: unknown, field = 'members'): string[] {
  if (!Array.isArray(value) || value.length === 0) fail(field, 'must be a non-empty array of member names');
  const seen = new Set<string>();
  value.forEach((m, i) => {
    if (typeof m !== 'string' || m.length === 0) fail(`${field}.${i}`, 'must be a non-empty string');
    if (seen.has(m)) fail(`${field}.${i}`, `duplicate member "${m}"`);
    seen.add(m);
  });
  return [...(value as string[])];
}

/** Whether a forecast is usable: finite point, pUp in [0, 1], every quantile finite. */
export function usable(f: ReturnForecast | undefined): f is ReturnForecast {
  if (!f || typeof f !== 'object' || !Number.isFinite(f.point) || !(f.pUp >= 0 && f.pUp <= 1) || !f.quantiles) return false;
  for (const k of KEYS) if (!Number.isFinite(f.quantiles[k])) return false;
  return true;
}

/**
 * The usable members of `forecasts` among `members` (in `members` order). Unknown names are an error (a
 * typo would otherwise leave a member silently absent forever); unusable forecasts (NaN, missing
 * quantile) count as absent. Throws when no member is usable.
 */
export function presentMembers(members: readonly string[], forecasts: MemberForecasts, field = 'forecasts'): string[] {
  if (!forecasts || typeof forecasts !== 'object') fail(field, 'must be an object of member forecasts');
  const known = new Set(members);
  for (const name of Object.keys(forecasts)) if (!known.has(name)) fail(`${field}.${name}`, `unknown member "${name}" (members: ${members.join(', ')})`);
  const present = members.filter((m) => usable(forecasts[m]));
  if (present.length === 0) fail(field, 'no usable member forecast (all absent or non-finite)');
  return present;
}

/** Quantiles sorted so they are non-decreasing in level (rearrangement; a no-op when already ordered). */
export function sortQuantiles(q: Record<QuantileKey, number>): Record<QuantileKey, number> {
  const vals = KEYS.map((k) => q[k]).sort((a, b) => a - b);
  const out = {} as Record<QuantileKey, number>;
  KEYS.forEach((k, i) => (out[k] = vals[i]!));
  return out;
}

/** How member probabilities are pooled: weighted mean of logits (log-linear) or of probabilities (linear). */
export type PUpPool = 'logit' | 'linear';

/**
 * Weighted combination of member forecasts. `weights` need not sum to 1 and may name absent members: only
 * the `present` ones are used, renormalised. Quantiles: weighted mean per level, then sorted; point:
 * weighted mean; pUp: pooled as `pool` says.
 */
export function combine(
  forecasts: MemberForecasts,
  present: readonly string[],
  weights: Readonly<Record<string, number>>,
  pool: PUpPool,
): { forecast: ReturnForecast; used: Record<string, number> } {
  let total = 0;
  for (const m of present) total += Math.max(0, weights[m] ?? 0);
  const used: Record<string, number> = {};
  for (const m of present) used[m] = total > 0 ? Math.max(0, weights[m] ?? 0) / total : 1 / present.length;
  const q = {} as Record<QuantileKey, number>;
  for (const k of KEYS) q[k] = 0;
  let point = 0;
  let pAcc = 0;
  for (const m of present) {
    const f = forecasts[m]!;
    const w = used[m]!;
    for (const k of KEYS) q[k] += w * f.quantiles[k];
    point += w * f.point;
    pAcc += w * (pool === 'logit' ? logit(f.pUp) : f.pUp);
  }
  const pUp = pool === 'logit' ? sigmoid(pAcc) : Math.min(1, Math.max(0, pAcc));
  return { forecast: { point, quantiles: sortQuantiles(q), pUp }, used };
}

/**
 * Band width used to standardise losses at one issue time: the mean over present members of p95 - p05,
 * floored at 1e-12. All members share it, so it rescales a row without changing which member was better,
 * but a wild hour (10x the usual width and losses) no longer outweighs ten calm ones.
 */
export function bandScale(forecasts: MemberForecasts, present: readonly string[]): number {
  let s = 0;
  for (const m of present) {
    const q = forecasts[m]!.quantiles;
    s += q.p95 - q.p05;
  }
  return Math.max(1e-12, s / present.length);
}

/** Mean pinball loss over the quantile levels (core `meanPinball`), in return units. */
export const pinball = (q: Record<QuantileKey, number>, y: number): number => meanPinball(q, y);

/** Copy of quantiles (plain object, safe to store). */
export const copyQuantiles = (q: Readonly<Record<QuantileKey, number>>): Record<QuantileKey, number> => {
  const out = {} as Record<QuantileKey, number>;
  for (const k of KEYS) out[k] = q[k];
  return out;
};

/** JSON cannot hold +-Infinity: encode as null. */
export const encInf = (x: number): number | null => (Number.isFinite(x) ? x : null);
export const decInf = (x: number | null | undefined, ifNull: number): number => (typeof x === 'number' ? x : ifNull);

/** A forecast waiting for its outcome (both online combiners queue them the same way). */
export interface Queued {
  seq: number;
  row: number;
  resolvesAt: number;
  y?: number;
}

/** The issue-time checks both online combiners make: finite, ordered times and a shock score in [0, 1]. */
export function checkIssue(asOf: number, resolvesAt: number, lastAsOf: number, shockScore: number | undefined): void {
  if (!Number.isFinite(asOf)) fail('asOf', `must be a finite time in ms, got ${asOf}`);
  if (!(resolvesAt > asOf)) fail('resolvesAt', `must be after asOf (${asOf}), got ${resolvesAt}`);
  if (asOf < lastAsOf) fail('asOf', `issues must come in time order: ${asOf} < previous ${lastAsOf}`);
  if (shockScore !== undefined && !(shockScore >= 0 && shockScore <= 1) && !Number.isNaN(shockScore)) {
    fail('shockScore', `must be in [0, 1], got ${shockScore}`);
  }
}

/**
 * Take the outcomes of `pending` forecasts with `resolvesAt <= now` into `ready` (with `y`); an unknown
 * outcome keeps its row pending until `graceMs` after `resolvesAt`, then drops it. Returns the rows still
 * pending.
 */
export function takeOutcomes<P extends Queued>(pending: readonly P[], ready: P[], now: number, realized: (row: number) => number | undefined, graceMs: number): P[] {
  if (Number.isNaN(now)) fail('now', 'must be a time in ms');
  if (typeof realized !== 'function') fail('realized', 'must be a function (row) => log return | undefined');
  const keep: P[] = [];
  for (const p of pending) {
    if (p.resolvesAt > now) {
      keep.push(p);
      continue;
    }
    const y = realized(p.row);
    if (y === undefined || !Number.isFinite(y)) {
      if (now < p.resolvesAt + graceMs) keep.push(p);
      continue;
    }
    ready.push({ ...p, y });
  }
  return keep;
}

/** Split `ready` at `cutoff`: the rows public by then in publication order, and the rest. */
export function dueBy<P extends Queued>(ready: readonly P[], cutoff: number): { due: P[]; rest: P[] } {
  const due = ready.filter((p) => p.resolvesAt <= cutoff);
  const rest = due.length ? ready.filter((p) => p.resolvesAt > cutoff) : [...ready];
  due.sort((a, b) => a.resolvesAt - b.resolvesAt || a.seq - b.seq);
  return { due, rest };
}

