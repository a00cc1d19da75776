/**
 * Per-caller rate limits (default 1000 requests per hour per API key or user) with a sliding-window
 * counter: the previous fixed window's count weighted by how much of it still overlaps the last hour,
 * plus the current window's count. Two stores: in-memory (one process) and Redis (limits shared by
 * every backend instance and surviving restarts). Both answer the same `RateDecision`.
 */
import type { Redis } from 'ioredis';
import { slidingWindowDecision, type RateDecision } from '@satcast/core';

export { rateHeaders, type RateDecision } from '@satcast/core';

export interface RateLimiter {
  hit(key: string, now?: number): Promise<RateDecision>;
  /**
   * The same as `hit`, answered synchronously, for stores that can (memory). A refused hit changes
   * nothing, so asking again after a refusal gives the same answer.
   */
  hitSync?(key: string, now?: number): RateDecision;
  close?(): Promise<void>;
}

export interface RateLimitOptions {
  limit: number;
  windowMs: number;
}

/**
 * In-process limiter. One small record per key, updated in place: O(1) per hit, no scans and no
 * allocation beyond the decision itself (this sits on every API request). Memory is bounded by dropping
 * windows that can no longer matter; that sweep runs only when the map has doubled since the last one,
 * so a burst of distinct callers costs amortised O(1) per hit instead of a full scan per request.
 */
export function createMemoryRateLimiter(o: RateLimitOptions): RateLimiter {
  const { limit, windowMs } = o;
  const windows = new Map<string, { start: number; curr: number; prev: number }>();
  let sweepAt = 100_000;
  const hitSync = (key: string, now = Date.now()): RateDecision => {
    const start = Math.floor(now / windowMs) * windowMs;
    let w = windows.get(key);
    if (w === undefined) {
      w = { start, curr: 0, prev: 0 };
      windows.set(key, w);
      if (windows.size > sweepAt) {
        for (const [k, v] of windows) if (v.start < start - windowMs) windows.delete(k);
        sweepAt = Math.max(100_000, 2 * windows.size);
      }
    } else if (w.start !== start) {
      w.prev = w.start === start - windowMs ? w.curr : 0;
      w.curr = 0;
      w.start = start;
    }
    const d = slidingWindowDecision({ previous: w.prev, current: w.curr }, { limit, windowMs, now, start });
    if (d.allowed) w.curr++;
    return d;
  };
  return { hitSync, hit: async (key, now) => hitSync(key, now) };
}

// Atomic in Redis: read both windows, decide, increment only when allowed, expire after two windows.
const SCRIPT = `
local curr = tonumber(redis.call('GET', KEYS[1]) or '0')
local prev = tonumber(redis.call('GET', KEYS[2]) or '0')
local weight = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local used = prev * weight + curr
if used + 1 <= limit then
  redis.call('INCR', KEYS[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return {curr, prev}
`;

/** Redis-backed limiter (ioredis); keys `satcast:rl:<key>:<windowStart>`. */
export function createRedisRateLimiter(redis: Redis, o: RateLimitOptions & { prefix?: string }): RateLimiter {
  const prefix = o.prefix ?? 'satcast:rl';
  return {
    async hit(key, now = Date.now()) {
      const start = Math.floor(now / o.windowMs) * o.windowMs;
      const weight = 1 - (now - start) / o.windowMs;
      // The script applies the same rule atomically; re-derive the decision from the counts it saw.
      const [current, previous] = (await redis.eval(SCRIPT, 2, `${prefix}:${key}:${start}`, `${prefix}:${key}:${start - o.windowMs}`, weight, o.limit, 2 * o.windowMs)) as [number, number];
      return slidingWindowDecision({ previous, current }, { ...o, now, start });
    },
  };
}
