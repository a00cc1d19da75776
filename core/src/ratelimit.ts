/**
 * The sliding-window counter every Satcast rate limiter uses (backend memory/Redis, edge Durable Object):
 * the previous fixed window's count weighted by how much of it still overlaps the last `windowMs`, plus
 * the current window's count. Pure functions; storage is the caller's.
 */

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the current window ends (when the count starts to fall). */
  resetSeconds: number;
}

/** Decide one request given the two windows' counts. `start` is the current window's start (ms). */
export function slidingWindowDecision(
  counts: { previous: number; current: number },
  o: { limit: number; windowMs: number; now: number; start: number },
): RateDecision {
  const used = counts.previous * (1 - (o.now - o.start) / o.windowMs) + counts.current;
  const allowed = used + 1 <= o.limit;
  return {
    allowed,
    limit: o.limit,
    remaining: Math.max(0, Math.floor(o.limit - used - (allowed ? 1 : 0))),
    resetSeconds: Math.max(1, Math.ceil((o.start + o.windowMs - o.now) / 1000)),
  };
}

/** IETF RateLimit headers plus Retry-After on refusal. */
export function rateHeaders(d: RateDecision): Record<string, string> {
  return {
    'RateLimit-Limit': String(d.limit),
    'RateLimit-Remaining': String(d.remaining),
    'RateLimit-Reset': String(d.resetSeconds),
    ...(d.allowed ? {} : { 'Retry-After': String(d.resetSeconds) }),
  };
}
