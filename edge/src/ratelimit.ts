/**
 * Per-caller rate limit (default 1000 requests per hour), one Durable Object per caller id so the count
 * is exact across every edge location. The sliding-window rule is core's (`slidingWindowDecision`, the
 * same as the backend's); the two windows' counts live in the object's storage so they survive eviction.
 *
 * Permit leases. A Durable Object round trip per request was the largest cost of a cached GET, so each
 * isolate asks the caller's object for a small batch of permits at a time and spends them locally:
 *
 *   - The object grants `min(maxBatch, max(1, floor(avail / 10)), avail)` permits, where `avail` is what
 *     the sliding window still allows now, and counts them as used at once (charged to the current
 *     window). Near the limit (`avail < 20`) batches are a single permit, i.e. the old per-request check.
 *   - A permit is only spent in the fixed window it was granted in; the lease ends at the window end or
 *     after LEASE_TTL_MS, whichever is first. Unspent permits go back to the object with the next
 *     request for that caller from this isolate (subtracted from the window they were charged to).
 *   - Never over-admits: every admitted request holds a permit the object counted, and spending it later
 *     in the same window is still within the limit (the sliding count only falls as time passes).
 *   - May under-admit slightly: a caller can be refused while permits sit unspent in another isolate
 *     (per isolate at most its last lease: one batch, or a few pooled by concurrent requests, each <= 10 %
 *     of what was left), until that isolate returns them or the window ends. With one isolate,
 *     admissions are exactly the per-request rule's.
 *   - `RateLimit-Remaining` = the object's remaining after the grant + permits still held here: exact for a
 *     caller served by one isolate; otherwise it undercounts by permits held elsewhere, and does not see
 *     requests admitted elsewhere since the grant (at most their batches).
 *   `RATE_LEASE_MAX=1` restores one object call per request.
 */
import { DurableObject } from 'cloudflare:workers';
import { type RateDecision } from '@satcast/core';

export { rateHeaders, type RateDecision } from '@satcast/core';

interface WindowState {
  start: number;
  current: number;
  previous: number;
}

/** What the object hands out: `granted` permits (0 = refused) for the window starting at `windowStart`. */
export interface PermitGrant {
  granted: number;
  limit: number;
  /** What the sliding window allows after this grant (the caller's permits excluded). */
  remaining: number;
  windowStart: number;
  windowMs: number;
}

/** Unspent permits handed back: `count` permits charged to the window starting at `windowStart`. */
export interface PermitReturn {
  windowStart: number;
  count: number;
}

/** A lease never outlives this, so unspent permits come back within seconds under steady traffic. */
export const LEASE_TTL_MS = 10_000;
const BATCH_FRACTION = 0.1;

export class RateLimiter extends DurableObject<Env> {
  /**
   * Grant up to `maxBatch` permits (see the module comment for the batch size), after taking back the
   * unspent ones in `giveBack`. One storage read and write.
   */
  async lease(limit: number, windowMs: number, maxBatch: number, giveBack?: PermitReturn, now = Date.now()): Promise<PermitGrant> {
    const start = Math.floor(now / windowMs) * windowMs;
    let s = (await this.ctx.storage.get<WindowState>('w')) ?? { start, current: 0, previous: 0 };
    if (s.start !== start) s = { start, current: 0, previous: s.start === start - windowMs ? s.current : 0 };
    if (giveBack && giveBack.count > 0) {
      if (giveBack.windowStart === start) s.current = Math.max(0, s.current - giveBack.count);
      else if (giveBack.windowStart === start - windowMs) s.previous = Math.max(0, s.previous - giveBack.count);
    }
    const used = s.previous * (1 - (now - start) / windowMs) + s.current;
    const avail = Math.max(0, Math.floor(limit - used));
    const cap = Math.floor(maxBatch); // 0: only hand permits back
    const granted = cap <= 0 ? 0 : Math.min(avail, Math.max(1, Math.min(cap, Math.floor(avail * BATCH_FRACTION))));
    s.current += granted;
    await this.ctx.storage.put('w', s);
    return { granted, limit, remaining: Math.max(0, Math.floor(limit - used - granted)), windowStart: start, windowMs };
  }

  /** One request, decided by the object itself (a lease of one permit). */
  async hit(limit: number, windowMs: number, now = Date.now()): Promise<RateDecision> {
    const g = await this.lease(limit, windowMs, 1, undefined, now);
    return { allowed: g.granted > 0, limit, remaining: g.remaining, resetSeconds: resetSeconds(g.windowStart + windowMs, now) };
  }
}

const resetSeconds = (windowEnd: number, now: number) => Math.max(1, Math.ceil((windowEnd - now) / 1000));

interface Lease {
  limit: number;
  windowMs: number;
  windowStart: number;
  expiresAt: number;
  left: number;
  remaining: number;
}

/** How an isolate reaches a caller's RateLimiter (the DO stub in the Worker; injectable in tests). */
export type LimiterFor = (callerId: string) => Pick<RateLimiter, 'lease'>;

/**
 * The isolate-local side of the permit leases: one per isolate (the Worker keeps a module-level one).
 * Requests never wait on another request's lease call (workerd treats a request awaiting another
 * request's I/O as hung): concurrent requests that find no permit each lease a batch, and their grants
 * merge. Bounded: past `maxCallers` the oldest lease is handed back and dropped.
 *
 * @example
 * const permits = new PermitCache();
 * const d = await permits.take('jwt:alice', (id) => env.LIMITER.get(env.LIMITER.idFromName(id)), { limit: 1000, windowMs: 3_600_000, maxBatch: 50 });
 * if (!d.allowed) return new Response('slow down', { status: 429, headers: rateHeaders(d) });
 */
export class PermitCache {
  private readonly leases = new Map<string, Lease>();
  constructor(
    private readonly maxCallers = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Spend one permit for `callerId`, leasing a new batch from its object when none is held here.
   * `background` receives promises that may outlive the request (hand-backs), e.g. `ctx.waitUntil`.
   */
  async take(
    callerId: string,
    limiterFor: LimiterFor,
    o: { limit: number; windowMs: number; maxBatch: number },
    background: (p: Promise<unknown>) => void = () => {},
  ): Promise<RateDecision> {
    const now = this.now();
    const l = this.leases.get(callerId);
    const usable = (x: Lease | undefined, t: number): boolean => !!x && x.limit === o.limit && x.windowMs === o.windowMs && t < x.expiresAt;
    if (l && usable(l, now) && l.left > 0) {
      l.left--;
      return { allowed: true, limit: l.limit, remaining: l.remaining + l.left, resetSeconds: resetSeconds(l.windowStart + l.windowMs, now) };
    }
    // An expired lease's unspent permits ride along with this request's lease call.
    let giveBack: PermitReturn | undefined;
    if (l && !usable(l, now) && l.left > 0) {
      giveBack = { windowStart: l.windowStart, count: l.left };
      l.left = 0;
    }
    const grant = await limiterFor(callerId).lease(o.limit, o.windowMs, o.maxBatch, giveBack, now);
    const after = this.now();
    const reset = resetSeconds(grant.windowStart + grant.windowMs, after);
    if (grant.granted === 0) return { allowed: false, limit: grant.limit, remaining: 0, resetSeconds: reset };
    const expiresAt = Math.min(grant.windowStart + grant.windowMs, after + LEASE_TTL_MS);
    const cur = this.leases.get(callerId);
    if (cur && usable(cur, after) && cur.windowStart === grant.windowStart) {
      // Another request's batch landed meanwhile: pool them. The lower remaining is the later view.
      cur.left += grant.granted - 1;
      cur.remaining = Math.min(cur.remaining, grant.remaining);
      cur.expiresAt = Math.max(cur.expiresAt, expiresAt);
      return { allowed: true, limit: cur.limit, remaining: cur.remaining + cur.left, resetSeconds: reset };
    }
    if (cur && cur.left > 0) background(this.handBack(callerId, cur, limiterFor));
    const fresh: Lease = { limit: grant.limit, windowMs: grant.windowMs, windowStart: grant.windowStart, expiresAt, left: grant.granted - 1, remaining: grant.remaining };
    this.remember(callerId, fresh, limiterFor, background);
    return { allowed: true, limit: fresh.limit, remaining: fresh.remaining + fresh.left, resetSeconds: reset };
  }

  /** Spend a permit held here, without any I/O; undefined when none is (then call `take`). */
  tryTakeLocal(callerId: string, o: { limit: number; windowMs: number }): RateDecision | undefined {
    const now = this.now();
    const l = this.leases.get(callerId);
    if (!l || l.left <= 0 || l.limit !== o.limit || l.windowMs !== o.windowMs || now >= l.expiresAt) return undefined;
    l.left--;
    return { allowed: true, limit: l.limit, remaining: l.remaining + l.left, resetSeconds: resetSeconds(l.windowStart + l.windowMs, now) };
  }

  /** Permits held in this isolate for `callerId` (tests and diagnostics). */
  held(callerId: string): number {
    return this.leases.get(callerId)?.left ?? 0;
  }

  /** Hand every unspent permit back (tests; an isolate that knows it is going away). */
  async releaseAll(limiterFor: LimiterFor): Promise<void> {
    const all = [...this.leases.entries()];
    this.leases.clear();
    await Promise.all(all.map(([id, l]) => this.handBack(id, l, limiterFor)));
  }

  private async handBack(callerId: string, l: Lease, limiterFor: LimiterFor): Promise<void> {
    const count = l.left;
    l.left = 0;
    if (count > 0) await limiterFor(callerId).lease(l.limit, l.windowMs, 0, { windowStart: l.windowStart, count }, this.now()).catch(() => undefined);
  }

  private remember(callerId: string, lease: Lease, limiterFor: LimiterFor, background: (p: Promise<unknown>) => void): void {
    this.leases.delete(callerId); // re-insert: the Map's order is then oldest lease first
    if (this.leases.size >= this.maxCallers) {
      const [oldId, old] = this.leases.entries().next().value!;
      this.leases.delete(oldId);
      background(this.handBack(oldId, old, limiterFor));
    }
    this.leases.set(callerId, lease);
  }
}
