/**
 * Test helper: is the Redis the tests use reachable? The suites run against a real Redis (127.0.0.1:6379,
 * `REDIS_URL` overrides). Without one they must fail in CI (`CI=true`) and skip, saying why, only locally.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, it } from 'vitest';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** `undefined` when Redis answers PING, else why not. */
export async function redisUnavailable(url = REDIS_URL): Promise<string | undefined> {
  const probe = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  let cause = '';
  probe.on('error', (err: Error) => (cause ||= err.message)); // ECONNREFUSED etc.; the rejection only says "closed"
  try {
    await probe.connect();
    await probe.ping();
    return undefined;
  } catch (err) {
    return cause || (err as Error).message || String(err);
  } finally {
    probe.disconnect();
  }
}

/**
 * Run `suite` when Redis is up. When it is down: a failing test under CI, a named skip locally.
 * Returns a fresh key prefix factory whose keys are all deleted after the file's tests.
 */
export async function withRedis(title: string, suite: (prefix: () => string) => void): Promise<void> {
  const down = await redisUnavailable();
  if (down) {
    const why = `Redis unreachable at ${REDIS_URL} (${down})`;
    if (process.env.CI === 'true') {
      describe(title, () => it(`needs Redis: ${why}; CI must provide it`, () => {
        throw new Error(`${why}. Start Redis or set REDIS_URL.`);
      }));
    } else {
      describe.skip(`${title} (not tested: ${why}; set REDIS_URL or start Redis)`, () => it('skipped', () => {}));
    }
    return;
  }
  const run = `satcast-test:bus:${process.pid}:${randomUUID().slice(0, 8)}`;
  let n = 0;
  afterAll(async () => {
    const r = new Redis(REDIS_URL);
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${run}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await r.del(...keys);
    } while (cursor !== '0');
    await r.quit();
  });
  suite(() => `${run}:${n++}:`);
}
