/**
 * Data-quality monitors: the share of missing values, how stale a series is, and how far the newest
 * value sits from its recent history in standard deviations (the "3σ" data-anomaly rule).
 */

/** Share of values that are null, undefined, NaN or ±Infinity; 0 for an empty input. */
export function missingRatio(xs: ArrayLike<number | null | undefined>): number {
  if (xs.length === 0) return 0;
  let missing = 0;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) missing++;
  }
  return missing / xs.length;
}

export interface Freshness {
  /** now − newest event time (ms); Infinity when nothing was ever received. */
  ageMs: number;
  /** Whole expected intervals missed beyond the publication lag. */
  missedIntervals: number;
  stale: boolean;
}

/**
 * How stale a series is. A series with interval `intervalMs` published `lagMs` after its event time is
 * stale once its newest event is older than interval + lag + `graceMs`.
 * @example freshness({ lastEventTime: 0, now: 3 * 3_600_000, intervalMs: 3_600_000 }) // 2 missed, stale
 */
export function freshness(o: { lastEventTime: number | undefined; now: number; intervalMs: number; lagMs?: number; graceMs?: number }): Freshness {
  if (o.lastEventTime === undefined) return { ageMs: Number.POSITIVE_INFINITY, missedIntervals: Number.POSITIVE_INFINITY, stale: true };
  const ageMs = Math.max(0, o.now - o.lastEventTime);
  const due = o.intervalMs + (o.lagMs ?? 0);
  return {
    ageMs,
    missedIntervals: Math.max(0, Math.floor((ageMs - (o.lagMs ?? 0)) / o.intervalMs) - 1),
    stale: ageMs > due + (o.graceMs ?? 0),
  };
}

/**
 * z-score of `value` against a history sample (sample standard deviation, n − 1). NaN when the history
 * has fewer than 2 finite values or no spread — "no basis to judge", never a false 3σ alarm.
 */
export function zScore(value: number, history: ArrayLike<number>): number {
  let n = 0;
  let mean = 0;
  let m2 = 0;
  for (let i = 0; i < history.length; i++) {
    const x = history[i]!;
    if (!Number.isFinite(x)) continue;
    n++;
    const d = x - mean;
    mean += d / n;
    m2 += d * (x - mean);
  }
  if (n < 2 || !Number.isFinite(value)) return Number.NaN;
  const sd = Math.sqrt(m2 / (n - 1));
  return sd > 0 ? (value - mean) / sd : Number.NaN;
}
