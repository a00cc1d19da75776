/**
 * The part every daily observation source shares: the `mode` option (live HTTP, the bundled offline
 * history, or both spliced at the end of the bundled files), a warm-up margin so anomaly flags do not
 * depend on the requested range, and point-in-time honesty under a simulated clock (a row whose
 * `availableAt` is after `now` is not known yet, so it is not emitted; it is not garbage either, so it is
 * not quarantined). Shared by the HTTP source plugins; runtime-neutral (the clock is the `now` passed in).
 */
import { z } from 'zod';
import {
  DAY,
  validateCandidates,
  type FetchRangeRequest,
  type ObservationCandidate,
  type SourceBatch,
  type Transform,
} from '@satcast/core';

export const ModeSchema = z.enum(['live', 'offline', 'hybrid']).default('live');
export type Mode = z.output<typeof ModeSchema>;

/** Days before `from` fetched as anomaly context (30 trading days of macro need ~45 calendar days). */
export const WARMUP_MS = 60 * DAY;

/** Bundled history as candidates, ascending by eventTime, and the first eventTime it does NOT cover. */
export interface Bundled {
  candidates: ObservationCandidate[];
  end: number;
}

export interface KitOptions {
  source: string;
  mode: Mode;
  now: () => number;
  bundled?: Bundled;
  /** Live rows for [from, to) (may return more; they are filtered). */
  live?: (range: FetchRangeRequest) => Promise<ObservationCandidate[]>;
  transform?: Transform | ((series: string) => Transform);
}

/** First index whose eventTime >= t (candidates ascending). */
function lowerBound(c: readonly ObservationCandidate[], t: number): number {
  let lo = 0;
  let hi = c.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (eventTime(c[mid]!) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const eventTime = (c: ObservationCandidate) => c.eventTime ?? (c.record as { eventTime?: number } | undefined)?.eventTime ?? Number.NEGATIVE_INFINITY;
const availableAt = (c: ObservationCandidate) => (c.record as { availableAt?: number } | undefined)?.availableAt;

/**
 * `fetchRange` for a source. offline: bundled rows only; live: HTTP only; hybrid: bundled rows before
 * `bundled.end`, HTTP from there on (the offline files end 2025-06-30).
 * @example
 * const fetchRange = rangeFetcher({ source: 'fred', mode, now: ctx.now, bundled, live });
 */
export function rangeFetcher(k: KitOptions): (req: FetchRangeRequest) => Promise<SourceBatch> {
  return async ({ from, to }) => {
    if (!(from < to)) return { observations: [] };
    const now = k.now();
    const lo = from - WARMUP_MS;
    const cands: ObservationCandidate[] = [];
    const cut = k.mode === 'live' || !k.bundled ? Number.NEGATIVE_INFINITY : k.mode === 'offline' ? Number.POSITIVE_INFINITY : k.bundled.end;
    if (k.bundled && k.mode !== 'live' && lo < cut) {
      const b = k.bundled.candidates;
      // A bundled row not yet public at `now` (simulated clock, replay) is unknown at now, not wrong: skip it.
      for (let i = lowerBound(b, lo), j = lowerBound(b, Math.min(to, cut)); i < j; i++) if ((availableAt(b[i]!) ?? 0) <= now) cands.push(b[i]!);
    }
    // Live rows are checked as they come: a provider row dated in the future is garbage and is quarantined;
    // a finished day whose publication time (the lag rule) is still ahead is kept with that availableAt.
    if (k.live && to > cut) cands.push(...(await k.live({ from: Math.max(lo, cut), to })));
    const v = validateCandidates(cands, { source: k.source, now, range: { from, to }, transform: k.transform });
    return v.rejected.length ? { observations: v.accepted, rejected: v.rejected } : { observations: v.accepted };
  };
}

/** `fetchLatest`: the last `days` days up to now (repeats are fine: the store upserts idempotently). */
export function latestFetcher(fetchRange: (r: FetchRangeRequest) => Promise<SourceBatch>, now: () => number, days: number) {
  return () => {
    const t = now();
    return fetchRange({ from: Math.floor(t / DAY) * DAY - days * DAY, to: t + 1 });
  };
}
