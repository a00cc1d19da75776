/**
 * Per-caller rate limit (default 1000 requests per hour), one Durable Object per caller id so the count
 * is exact across every edge location. Sliding-window counter: the previous window's count is weighted
 * by how much of it still overlaps the last hour (the approximation Cloudflare and nginx use), stored in
 * the object's storage so it survives eviction.
 */
import { DurableObject } from 'cloudflare:workers';

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the current window ends. */
  resetSeconds: number;
}

interface WindowState {
  start: number;
  current: number;
  previous: number;
}

export class RateLimiter extends DurableObject<Env> {
  async hit(limit: number, windowMs: number, now = Date.now()): Promise<RateDecision> {
    const start = Math.floor(now / windowMs) * windowMs;
    let s = (await this.ctx.storage.get<WindowState>('w')) ?? { start, current: 0, previous: 0 };
    if (s.start !== start) s = { start, current: 0, previous: s.start === start - windowMs ? s.current : 0 };
    const weight = 1 - (now - start) / windowMs;
    const used = s.previous * weight + s.current;
    const allowed = used + 1 <= limit;
    if (allowed) s.current++;
    await this.ctx.storage.put('w', s);
    return {
      allowed,
      limit,
      remaining: Math.max(0, Math.floor(limit - used - (allowed ? 1 : 0))),
      resetSeconds: Math.ceil((start + windowMs - now) / 1000),
    };
  }
}

/** RateLimit-* headers (IETF draft) plus Retry-After on refusal, as the backend sends them. */
export function rateHeaders(d: RateDecision): Record<string, string> {
  return {
    'RateLimit-Limit': String(d.limit),
    'RateLimit-Remaining': String(d.remaining),
    'RateLimit-Reset': String(d.resetSeconds),
    ...(d.allowed ? {} : { 'Retry-After': String(d.resetSeconds) }),
  };
}
