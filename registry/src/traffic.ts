/**
 * Traffic policies: which version serves a caller, and which versions also run unseen. `route` is pure —
 * same (policy, key, now) in, same answer out — so the backend can route per API key without state, and a
 * caller keeps their arm for the whole experiment (sticky: the bucket is a hash of key + experiment id,
 * so a new experiment reshuffles callers but a running one never does).
 */
import { DAY } from '@satcast/core';

export type TrafficPolicy =
  | { kind: 'champion'; champion: string }
  /** The shadow predicts on every request and is scored, but is never served. */
  | { kind: 'shadow'; champion: string; shadow: string }
  /** `share` of callers (default 0.1) get the challenger. */
  | { kind: 'canary'; experimentId: string; champion: string; challenger: string; share?: number }
  /** Split `share` (default 0.5) for `durationMs` (default 7 days) from `startedAt`; afterwards everyone gets the champion until the gate decides. */
  | { kind: 'ab'; experimentId: string; champion: string; challenger: string; startedAt: number; durationMs?: number; share?: number };

export const DEFAULT_CANARY_SHARE = 0.1;
export const DEFAULT_AB_SHARE = 0.5;
export const DEFAULT_AB_DURATION_MS = 7 * DAY;

/** The record of one routing decision; store it beside the prediction served (`metadata.route`). */
export interface RouteRecord {
  /** Version whose prediction the caller receives. */
  served: string;
  arm: 'champion' | 'challenger';
  /** Versions that also predict for this request, scored but never served. */
  shadows: string[];
  policy: TrafficPolicy['kind'];
  experimentId?: string;
  /** Stable position of the caller in [0, 1); `served` is the challenger when bucket < share. */
  bucket?: number;
  /** For A/B: the experiment is over and awaits the gate's decision. */
  phase?: 'running' | 'ended';
  at: number;
}

/**
 * 32-bit MurmurHash3 of the UTF-16 code units of `s` — fast, well mixed, identical in Node, workerd and
 * browsers. Not cryptographic: it spreads callers, it does not hide them.
 */
export function murmur3(s: string, seed = 0): number {
  let h = seed >>> 0;
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  for (let i = 0; i < s.length; i++) {
    let k = s.charCodeAt(i);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= s.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The caller's stable position in [0, 1) for one experiment. */
export function bucketOf(key: string, experimentId: string): number {
  return murmur3(`${experimentId}\u0000${key}`) / 2 ** 32;
}

function checkShare(share: number, kind: string): number {
  if (!(share >= 0 && share <= 1)) throw new RangeError(`${kind} share must be in [0, 1], got ${share}`);
  return share;
}

/**
 * Decide who serves `key` (an API key id or caller address — never a secret) at `now`.
 * @example
 * const r = route({ kind: 'canary', experimentId: 'gbdt-v4', champion: 'gbdt@BTCUSDT-24h-v3', challenger: 'gbdt@BTCUSDT-24h-v4' }, apiKeyId, Date.now());
 * // r.served is v4 for ~10% of keys, always the same ones
 */
export function route(policy: TrafficPolicy, key: string, now: number): RouteRecord {
  switch (policy.kind) {
    case 'champion':
      return { served: policy.champion, arm: 'champion', shadows: [], policy: 'champion', at: now };
    case 'shadow':
      return { served: policy.champion, arm: 'champion', shadows: [policy.shadow], policy: 'shadow', at: now };
    case 'canary': {
      const share = checkShare(policy.share ?? DEFAULT_CANARY_SHARE, 'canary');
      const bucket = bucketOf(key, policy.experimentId);
      const challenger = bucket < share;
      return {
        served: challenger ? policy.challenger : policy.champion, arm: challenger ? 'challenger' : 'champion',
        // The arm not served still predicts, so both are scored on the same requests.
        shadows: [challenger ? policy.champion : policy.challenger], policy: 'canary', experimentId: policy.experimentId, bucket, at: now,
      };
    }
    case 'ab': {
      const share = checkShare(policy.share ?? DEFAULT_AB_SHARE, 'ab');
      const bucket = bucketOf(key, policy.experimentId);
      const ended = now >= abEndsAt(policy);
      const challenger = !ended && now >= policy.startedAt && bucket < share;
      return {
        served: challenger ? policy.challenger : policy.champion, arm: challenger ? 'challenger' : 'champion',
        shadows: [challenger ? policy.champion : policy.challenger], policy: 'ab', experimentId: policy.experimentId, bucket,
        phase: ended ? 'ended' : 'running', at: now,
      };
    }
    default:
      throw new RangeError(`unknown traffic policy ${JSON.stringify((policy as { kind?: unknown }).kind)}`);
  }
}

export function abEndsAt(p: Extract<TrafficPolicy, { kind: 'ab' }>): number {
  return p.startedAt + (p.durationMs ?? DEFAULT_AB_DURATION_MS);
}
