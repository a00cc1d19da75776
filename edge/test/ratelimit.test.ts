import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { LEASE_TTL_MS, PermitCache, type LimiterFor } from '../src/ratelimit';

// Permit leases against the real RateLimiter Durable Object. Each PermitCache plays one isolate; the
// clock is injected so lease expiry and window ends are exercised without waiting.
const limiterFor: LimiterFor = (id) => env.LIMITER.get(env.LIMITER.idFromName(id));
let n = 0;
const caller = () => `lease-test-${Date.now()}-${n++}`;
const HOUR = 3_600_000;

/** The object's own view: spend nothing, just read what is left (a zero-permit lease). */
async function objectRemaining(id: string, limit: number, windowMs: number, now: number) {
  return (await limiterFor(id).lease(limit, windowMs, 0, undefined, now)).remaining;
}

describe('rate-limit permit leases', () => {
  it('one isolate: headers count down exactly like the per-request rule, then 429', async () => {
    const id = caller();
    const t0 = Math.floor(Date.now() / HOUR) * HOUR + 1000;
    const cache = new PermitCache(100, () => t0);
    const remaining: number[] = [];
    for (let i = 0; i < 100; i++) {
      const d = await cache.take(id, limiterFor, { limit: 100, windowMs: HOUR, maxBatch: 50 });
      expect(d.allowed).toBe(true);
      remaining.push(d.remaining);
    }
    expect(remaining).toEqual(Array.from({ length: 100 }, (_, i) => 99 - i));
    const refused = await cache.take(id, limiterFor, { limit: 100, windowMs: HOUR, maxBatch: 50 });
    expect(refused).toMatchObject({ allowed: false, remaining: 0, limit: 100 });
    expect(refused.resetSeconds).toBe(Math.ceil((HOUR - 1000) / 1000));
  });

  it('batches are at most 10 % of what is left and at most maxBatch', async () => {
    const t0 = Math.floor(Date.now() / HOUR) * HOUR + 1000;
    const big = await limiterFor(caller()).lease(1000, HOUR, 50, undefined, t0);
    expect(big).toMatchObject({ granted: 50, remaining: 950 });
    const small = await limiterFor(caller()).lease(120, HOUR, 50, undefined, t0);
    expect(small).toMatchObject({ granted: 12, remaining: 108 });
    const tiny = await limiterFor(caller()).lease(5, HOUR, 50, undefined, t0);
    expect(tiny).toMatchObject({ granted: 1, remaining: 4 });
  });

  it('two isolates never admit more than the limit; permits held elsewhere come back and are then admitted', async () => {
    const id = caller();
    const t0 = Math.floor(Date.now() / HOUR) * HOUR + 1000;
    const a = new PermitCache(100, () => t0);
    const b = new PermitCache(100, () => t0);
    const o = { limit: 100, windowMs: HOUR, maxBatch: 50 };
    expect((await a.take(id, limiterFor, o)).allowed).toBe(true); // A leases 10, spends 1, holds 9
    let admittedByB = 0;
    while ((await b.take(id, limiterFor, o)).allowed) admittedByB++;
    // B is refused while A still holds 9 unspent permits: the under-admission slack, never over.
    expect(admittedByB).toBe(90);
    expect(a.held(id)).toBe(9);
    expect(1 + admittedByB + a.held(id)).toBe(100);
    // A hands them back (lease expiry or isolate shutdown); B can spend exactly those, then 429.
    await a.releaseAll(limiterFor);
    let more = 0;
    while ((await b.take(id, limiterFor, o)).allowed) more++;
    expect(more).toBe(9);
    expect(await objectRemaining(id, 100, HOUR, t0)).toBe(0);
  });

  it('concurrent requests in one isolate each lease and pool their batches', async () => {
    const id = caller();
    const t0 = Math.floor(Date.now() / HOUR) * HOUR + 1000;
    const cache = new PermitCache(100, () => t0);
    const o = { limit: 100, windowMs: HOUR, maxBatch: 50 };
    const ds = await Promise.all(Array.from({ length: 20 }, () => cache.take(id, limiterFor, o)));
    expect(ds.every((d) => d.allowed)).toBe(true);
    expect(20 + cache.held(id) + (await objectRemaining(id, 100, HOUR, t0))).toBe(100);
  });

  it('an expired lease hands its unspent permits back with the next lease call', async () => {
    const id = caller();
    let now = Math.floor(Date.now() / HOUR) * HOUR + 1000;
    const cache = new PermitCache(100, () => now);
    const o = { limit: 100, windowMs: HOUR, maxBatch: 50 };
    expect((await cache.take(id, limiterFor, o)).remaining).toBe(99); // leased 10, spent 1
    expect(cache.held(id)).toBe(9);
    now += LEASE_TTL_MS + 1;
    const d = await cache.take(id, limiterFor, o); // hands back 9, leases 9 (10 % of 99)
    expect(d.remaining).toBe(98);
    expect(cache.held(id)).toBe(8);
    expect(await objectRemaining(id, 100, HOUR, now)).toBe(90);
  });

  it('permits never cross a window end; leftovers are taken off the previous window', async () => {
    const id = caller();
    const minute = 60_000;
    const start = Math.floor(Date.now() / minute) * minute;
    let now = start + 59_000;
    const cache = new PermitCache(100, () => now);
    const o = { limit: 100, windowMs: minute, maxBatch: 50 };
    await cache.take(id, limiterFor, o); // leased 10 in the first window, spent 1
    now = start + minute + 1000; // next window: the lease is over
    const d = await cache.take(id, limiterFor, o);
    // Previous window: 1 spent (9 handed back), weighted by 59/60 -> 0.98 used; lease 9, spend 1.
    expect(d).toMatchObject({ allowed: true, remaining: 98, resetSeconds: 59 });
  });
});
