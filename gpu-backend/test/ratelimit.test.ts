import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryRateLimiter, createRedisRateLimiter, type RateLimiter } from '../src/limits/ratelimit.js';

const HOUR = 3_600_000;
const t0 = Date.UTC(2025, 5, 30, 10); // on a window boundary

async function hits(l: RateLimiter, key: string, n: number, now: number) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await l.hit(key, now));
  return out;
}

function suite(name: string, make: () => RateLimiter) {
  describe(`rate limiter: ${name}`, () => {
    it('allows `limit` requests per window, then refuses with a reset time; keys are independent', async () => {
      const l = make();
      const key = `k-${Math.random()}`;
      const d = await hits(l, key, 4, t0 + 10 * 60_000);
      expect(d.map((x) => x.allowed)).toEqual([true, true, true, false]);
      expect(d.map((x) => x.remaining)).toEqual([2, 1, 0, 0]);
      expect(d[3]!.resetSeconds).toBe(50 * 60);
      expect((await l.hit(`${key}-other`, t0 + 10 * 60_000)).allowed).toBe(true);
    });

    it('slides: the previous hour counts in proportion to its overlap', async () => {
      const l = make();
      const key = `k-${Math.random()}`;
      await hits(l, key, 3, t0 + 50 * 60_000); // 3 used late in window 1
      // 30 min into window 2: 3 * 0.5 = 1.5 still count -> one more allowed (2.5 <= 3), then refused.
      const d = await hits(l, key, 2, t0 + HOUR + 30 * 60_000);
      expect(d.map((x) => x.allowed)).toEqual([true, false]);
      // Two windows later everything has expired.
      expect((await l.hit(key, t0 + 3 * HOUR)).remaining).toBe(2);
    });
  });
}

suite('memory', () => createMemoryRateLimiter({ limit: 3, windowMs: HOUR }));

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const clients: Redis[] = [];
const redis = () => {
  const r = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 1 });
  clients.push(r);
  return r;
};
afterAll(async () => {
  for (const c of clients) await c.quit();
});

suite('redis', () => createRedisRateLimiter(redis(), { limit: 3, windowMs: HOUR, prefix: `satcast-test:${process.pid}` }));

describe('rate limiter: redis across restarts and instances', () => {
  it('a new process (new client) sees the counts of the old one', async () => {
    const key = `restart-${Math.random()}`;
    const prefix = `satcast-test:${process.pid}`;
    const a = createRedisRateLimiter(redis(), { limit: 3, windowMs: HOUR, prefix });
    await hits(a, key, 3, t0 + 60_000);
    const b = createRedisRateLimiter(redis(), { limit: 3, windowMs: HOUR, prefix });
    expect((await b.hit(key, t0 + 61_000)).allowed).toBe(false);
  });
});
