/**
 * Per-caller rate limits (default 1000 requests per hour per API key or user) with a sliding-window
 * counter: the previous fixed window's count weighted by how much of it still overlaps the last hour,
 * plus the current window's count. Two stores: in-memory (one process) and Redis (limits shared by
 * every backend instance and surviving restarts). Both answer the same `RateDecision`.
 */
import type { Redis } from 'ioredis';

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the current window ends (when the count starts to fall). */
  resetSeconds: number;
}

export interface RateLimiter {
  hit(key: string, now?: number): Promise<RateDecision>;
  close?(): Promise<void>;
}

export interface RateLimitOptions {
  limit: number;
  windowMs: number;
}

function decide(prev: number, curr: number, now: number, start: number, o: RateLimitOptions): { allowed: boolean; used: number } {
  const used = prev * (1 - (now - start) / o.windowMs) + curr;
  return { allowed: used + 1 <= o.limit, used };
}

function decision(o: RateLimitOptions, allowed: boolean, used: number, now: number, start: number): RateDecision {
  return {
    allowed,
    limit: o.limit,
    remaining: Math.max(0, Math.floor(o.limit - used - (allowed ? 1 : 0))),
    resetSeconds: Math.max(1, Math.ceil((start + o.windowMs - now) / 1000)),
  };
}

/** In-process limiter; memory is bounded by dropping windows that can no longer matter. */
export function createMemoryRateLimiter(o: RateLimitOptions): RateLimiter {
  const windows = new Map<string, { start: number; curr: number; prev: number }>();
  return {
    async hit(key, now = Date.now()) {
      const start = Math.floor(now / o.windowMs) * o.windowMs;
      let w = windows.get(key);
      if (!w || w.start !== start) w = { start, curr: 0, prev: w && w.start === start - o.windowMs ? w.curr : 0 };
      const { allowed, used } = decide(w.prev, w.curr, now, start, o);
      if (allowed) w.curr++;
      windows.set(key, w);
      if (windows.size > 100_000) for (const [k, v] of windows) if (v.start < start - o.windowMs) windows.delete(k);
      return decision(o, allowed, used, now, start);
    },
  };
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
  return {1, tostring(used)}
end
return {0, tostring(used)}
`;

/** Redis-backed limiter (ioredis); keys `satcast:rl:<key>:<windowStart>`. */
export function createRedisRateLimiter(redis: Redis, o: RateLimitOptions & { prefix?: string }): RateLimiter {
  const prefix = o.prefix ?? 'satcast:rl';
  return {
    async hit(key, now = Date.now()) {
      const start = Math.floor(now / o.windowMs) * o.windowMs;
      const weight = 1 - (now - start) / o.windowMs;
      const [ok, used] = (await redis.eval(SCRIPT, 2, `${prefix}:${key}:${start}`, `${prefix}:${key}:${start - o.windowMs}`, weight, o.limit, 2 * o.windowMs)) as [number, string];
      return decision(o, ok === 1, Number(used), now, start);
    },
  };
}

/** IETF RateLimit headers plus Retry-After on refusal (the edge sends the same). */
export function rateHeaders(d: RateDecision): Record<string, string> {
  return {
    'RateLimit-Limit': String(d.limit),
    'RateLimit-Remaining': String(d.remaining),
    'RateLimit-Reset': String(d.resetSeconds),
    ...(d.allowed ? {} : { 'Retry-After': String(d.resetSeconds) }),
  };
}
