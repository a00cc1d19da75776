/**
 * Per-channel rate limit: a token bucket on the host's clock (`ctx.now()`), so a burst of alerts cannot
 * exceed what the provider accepts (Slack: about 1 message/s per webhook; PagerDuty: 120 events/min per
 * routing key) and tests drive it with a fake clock. No timers: refill is computed from elapsed time.
 */
import { z } from 'zod';

export const RateLimitOptionsSchema = z.strictObject({
  /** Sustained deliveries per minute. */
  perMinute: z.number().positive().max(60_000),
  /** Deliveries allowed at once before the sustained rate applies. */
  burst: z.number().int().positive().max(10_000),
});
export type RateLimitOptions = z.output<typeof RateLimitOptionsSchema>;

export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly perMs: number;

  constructor(private readonly o: RateLimitOptions, now: number) {
    this.tokens = o.burst;
    this.last = now;
    this.perMs = o.perMinute / 60_000;
  }

  /** Take one token: 0 when allowed, else the milliseconds until one is available (nothing is taken). */
  take(now: number): number {
    const elapsed = Math.max(0, now - this.last);
    this.tokens = Math.min(this.o.burst, this.tokens + elapsed * this.perMs);
    this.last = Math.max(this.last, now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - this.tokens) / this.perMs);
  }
}
