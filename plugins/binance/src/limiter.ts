/**
 * Request-weight limiter for Binance REST. Binance counts weight per IP in fixed one-minute windows and
 * reports the running total in `X-MBX-USED-WEIGHT-1M` on every response; that header is authoritative,
 * our own count only fills in until the next response arrives. Three brakes, all on the plugin clock:
 *
 * - near the limit (above `slowdownRatio`), the remaining budget is spread over the rest of the minute,
 *   and a request that would exceed the limit waits for the next window;
 * - a 429 pauses every request until its `Retry-After` has passed (Binance bans IPs that ignore 429s);
 * - a 418 (IP ban) blocks: `acquire` throws `BannedError` at once, without a request, until it ends.
 */
import { SatcastError } from '@satcast/core';

const WINDOW_MS = 60_000;

/** The IP is banned (HTTP 418); `retryAfterMs` says when a request may be sent again. */
export class BannedError extends SatcastError {
  readonly until: number;
  constructor(message: string, o: { until: number; now: number; plugin: string }) {
    // Retryable "later": the host may reschedule after retryAfterMs, but nothing retries within a call.
    super(message, { code: 'RATE_LIMITED', retryable: true, plugin: o.plugin, retryAfterMs: Math.max(0, o.until - o.now) });
    this.until = o.until;
  }
}

export interface LimiterOptions {
  weightLimit: number;
  slowdownRatio: number;
  defaultBanMs: number;
  plugin: string;
}

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** `Retry-After` in seconds or an HTTP date → ms from now. */
export function parseRetryAfter(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  const secs = Number(header);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

export class WeightLimiter {
  usedWeight = 0;
  private windowStart = 0;
  pausedUntil = 0;
  bannedUntil = 0;
  private lastSentAt = -Infinity;
  /** True while requests are being spaced because usage is above the slowdown ratio. */
  slowing = false;

  constructor(
    private readonly o: LimiterOptions,
    private readonly now: () => number,
    private readonly sleep: Sleep,
  ) {}

  private roll(now: number): void {
    const start = Math.floor(now / WINDOW_MS) * WINDOW_MS;
    if (start !== this.windowStart) {
      this.windowStart = start;
      this.usedWeight = 0;
      this.slowing = false;
    }
  }

  /** Throws at once when banned (no request may be sent); otherwise waits as long as the brakes say. */
  async acquire(weight: number, signal?: AbortSignal): Promise<void> {
    for (;;) {
      const now = this.now();
      this.assertNotBanned(now);
      const wait = this.delayFor(weight, now);
      if (wait <= 0) break;
      await this.sleep(wait, signal);
      if (signal?.aborted) throw signal.reason;
    }
    this.usedWeight += weight;
    this.lastSentAt = this.now();
  }

  assertNotBanned(now = this.now()): void {
    if (this.bannedUntil > now) {
      throw new BannedError(`IP banned by Binance (HTTP 418) until ${new Date(this.bannedUntil).toISOString()}; not sending requests`, {
        until: this.bannedUntil,
        now,
        plugin: this.o.plugin,
      });
    }
  }

  /** How long to wait before a request of `weight` may go out (0 = now). */
  delayFor(weight: number, now: number): number {
    if (this.pausedUntil > now) return this.pausedUntil - now;
    this.roll(now);
    const windowEnd = this.windowStart + WINDOW_MS;
    const limit = this.o.weightLimit;
    if (this.usedWeight + weight > limit) return windowEnd - now;
    if (this.usedWeight >= limit * this.o.slowdownRatio) {
      this.slowing = true;
      // Spread what is left evenly over the rest of the window instead of bursting into the limit.
      const left = Math.max(1, Math.floor((limit - this.usedWeight) / weight));
      const spacing = Math.ceil((windowEnd - now) / (left + 1));
      return Math.max(0, this.lastSentAt + spacing - now);
    }
    return 0;
  }

  /** Read the usage header of any response (success or not). */
  observe(headers: Headers): void {
    const raw = headers.get('x-mbx-used-weight-1m');
    const used = raw === null ? Number.NaN : Number(raw);
    if (!Number.isFinite(used) || used < 0) return;
    this.roll(this.now());
    this.usedWeight = used;
  }

  /** 429: pause all requests for Retry-After (or the rest of the minute when absent). */
  pause(retryAfterMs: number | undefined): number {
    const now = this.now();
    this.roll(now);
    const ms = retryAfterMs ?? this.windowStart + WINDOW_MS - now;
    this.pausedUntil = Math.max(this.pausedUntil, now + ms);
    return this.pausedUntil;
  }

  /** 418: ban for Retry-After (or the configured default). */
  ban(retryAfterMs: number | undefined): number {
    const now = this.now();
    this.bannedUntil = Math.max(this.bannedUntil, now + (retryAfterMs ?? this.o.defaultBanMs));
    return this.bannedUntil;
  }
}
