import { SELF, createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker, { clearMemo, dropIsolateMemo, latestKey } from '../src/index';
import { fastPredictions } from '../src/fast';
import { latestView } from '../src/latest';
import { PermitCache } from '../src/ratelimit';
import { prediction, signedSync, token } from './helpers';

// The synchronous hot path (src/fast.ts) must give the same answer as the Hono path, and only when
// token, permit and a fresh prediction set are all already in this isolate.
const e = { ...env, RATE_LIMIT: '1000' } as Env; // big enough that permits are leased in batches
const limiterFor = (id: string) => env.LIMITER.get(env.LIMITER.idFromName(id));
const req = (auth: string, query = '', extra: Record<string, string> = {}) =>
  new Request(`https://edge.test/api/v1/predictions${query}`, { headers: { authorization: `Bearer ${auth}`, ...extra } });

async function slow(r: Request) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(r, e, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

describe('synchronous fast path', () => {
  it('answers like the Hono path once token, permit and memo are in the isolate', async () => {
    await clearMemo();
    const t = Date.now() - 1000;
    expect((await SELF.fetch(await signedSync([prediction('1h', t), prediction('4h', t), prediction('24h', t)]))).status).toBe(200);
    const jwt = await token({ sub: `fast-${Date.now()}` });
    const first = await slow(req(jwt)); // verifies the token, fills the memo
    expect(first.status).toBe(200);
    const permits = new PermitCache();
    expect(fastPredictions(req(jwt), e, permits)).toBeUndefined(); // no permit held here yet
    await permits.take(`jwt:${(JSON.parse(atob(jwt.split('.')[1]!)) as { sub: string }).sub}`, limiterFor, { limit: 1000, windowMs: 3_600_000, maxBatch: 50 });
    const fast = fastPredictions(req(jwt), e, permits)!;
    expect(fast).toBeInstanceOf(Response);
    expect(await fast.text()).toBe(await first.text());
    expect(Number(fast.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
    for (const h of ['etag', 'content-type', 'cache-control', 'x-satcast-source', 'ratelimit-limit']) {
      expect([h, fast.headers.get(h)]).toEqual([h, first.headers.get(h)]);
    }
    expect(Number(fast.headers.get('ratelimit-remaining'))).toBeLessThan(Number(first.headers.get('ratelimit-remaining')));
    const one = fastPredictions(req(jwt, '?horizon=4h'), e, permits)!;
    expect(((await one.json()) as { predictions: { horizon: string }[] }).predictions.map((p) => p.horizon)).toEqual(['4h']);
    const notModified = fastPredictions(req(jwt, '', { 'if-none-match': first.headers.get('etag')! }), e, permits)!;
    expect(notModified.status).toBe(304);
  });

  it('falls back for anything it cannot answer alone', async () => {
    const jwt = await token({ sub: `fast-fallback-${Date.now()}` });
    await slow(req(jwt));
    const permits = new PermitCache();
    await permits.take(`jwt:${(JSON.parse(atob(jwt.split('.')[1]!)) as { sub: string }).sub}`, limiterFor, { limit: 1000, windowMs: 3_600_000, maxBatch: 50 });
    expect(fastPredictions(req(jwt, '?horizon=7d'), e, permits)).toBeUndefined(); // the slow path names the error
    expect(fastPredictions(req(await token()), e, permits)).toBeUndefined(); // token not verified here yet
    expect(fastPredictions(req(jwt), { ...e, JWT_AUDIENCE: 'other' } as Env, permits)).toBeUndefined(); // verified under another config
    expect(fastPredictions(new Request('https://edge.test/api/v1/predictions', { method: 'POST', headers: { authorization: `Bearer ${jwt}` } }), e, permits)).toBeUndefined();
    dropIsolateMemo();
    expect(fastPredictions(req(jwt), e, permits)).toBeUndefined(); // memo gone: the slow path reloads it
    // Stale data is never answered here (the slow path flags it and revalidates).
    await env.PREDICTIONS.put(latestKey('1h'), JSON.stringify(prediction('1h', Date.now() - 5 * 3_600_000)));
    await clearMemo();
    expect((await latestView(e, ['1h'])).predictions).toHaveLength(1); // memo filled, with stale data
    expect(fastPredictions(req(jwt, '?horizon=1h'), e, permits)).toBeUndefined();
  });
});
