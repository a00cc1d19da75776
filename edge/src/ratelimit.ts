/**
 * Per-caller rate limit (default 1000 requests per hour), one Durable Object per caller id so the count
 * is exact across every edge location. The sliding-window rule is core's (`slidingWindowDecision`, the
 * same as the backend's); the two windows' counts live in the object's storage so they survive eviction.
 */
import { DurableObject } from 'cloudflare:workers';
import { slidingWindowDecision, type RateDecision } from '@satcast/core';

export { rateHeaders, type RateDecision } from '@satcast/core';

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
    const d = slidingWindowDecision(s, { limit, windowMs, now, start });
    if (d.allowed) s.current++;
    await this.ctx.storage.put('w', s);
    return d;
  }
}
