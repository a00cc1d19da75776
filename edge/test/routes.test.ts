import { SELF, env } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sha256Hex } from '@satcast/core';
import { clearMemo, dropIsolateMemo, historyKey, latestKey } from '../src/index';
import { prediction, signedSync, token } from './helpers';

const get = async (path: string, headers: Record<string, string> = {}) => SELF.fetch(`https://edge.test${path}`, { headers });
const auth = async () => ({ authorization: `Bearer ${await token()}` });

/**
 * The origin backend, simulated in-isolate: the worker's outbound fetch to http://origin.test is answered
 * by `handler`; anything else outbound fails the test (there is no network here).
 */
function mockOrigin(handler: () => Response | Promise<Response>) {
  const real = globalThis.fetch;
  const spy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const url = new Request(input as RequestInfo, init).url;
    if (url.startsWith('http://origin.test/')) return await handler();
    if (url.startsWith('https://edge.test/')) return real(input as RequestInfo, init);
    throw new Error(`unexpected outbound fetch to ${url}`);
  });
  return spy;
}
afterEach(() => vi.restoreAllMocks());

async function clearKv() {
  for (const h of ['1h', '4h', '24h']) {
    await env.PREDICTIONS.delete(latestKey(h));
    await env.PREDICTIONS.delete(historyKey(h));
  }
  await clearMemo();
}

/** Write KV behind the worker's back (as another isolate would) and drop this isolate's memo. */
async function putLatest(preds: ReturnType<typeof prediction>[]) {
  for (const p of preds) await env.PREDICTIONS.put(latestKey(p.horizon), JSON.stringify(p));
  await clearMemo();
}

describe('signed sync', () => {
  it('accepts a signed push, stores latest + history, and serves it from KV', async () => {
    await clearKv();
    const t = Date.now() - 120_000;
    const res = await SELF.fetch(await signedSync([prediction('1h', t), prediction('4h', t), prediction('24h', t)]));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: 3, ignored: [] });
    const got = await get('/api/v1/predictions?horizon=4h', await auth());
    expect(got.status).toBe(200);
    expect(got.headers.get('x-satcast-source')).toBe('edge-kv');
    expect(got.headers.get('etag')).toBe(`"${t}-4h"`);
    expect(((await got.json()) as { predictions: { horizon: string }[] }).predictions.map((p) => p.horizon)).toEqual(['4h']);
    expect(((await env.PREDICTIONS.get(historyKey('1h'), 'json')) as unknown[]).length).toBeGreaterThanOrEqual(1);
  });

  it('answers If-None-Match with 304', async () => {
    const first = await get('/api/v1/predictions', await auth());
    const etag = first.headers.get('etag')!;
    const again = await get('/api/v1/predictions', { ...(await auth()), 'if-none-match': etag });
    expect(again.status).toBe(304);
  });

  it('rejects a bad signature, an unknown key id, and a stale timestamp', async () => {
    const p = [prediction('1h')];
    expect((await SELF.fetch(await signedSync(p, { secret: 'not-the-key-0123456789abcdef' }))).status).toBe(401);
    expect((await SELF.fetch(await signedSync(p, { keyId: 'k9' }))).status).toBe(401);
    const old = await SELF.fetch(await signedSync(p, { ts: Date.now() - 10 * 60_000 }));
    expect(old.status).toBe(401);
    expect(old.headers.get('content-type')).toBe('application/problem+json');
  });

  it('accepts the rotated key k2 and rejects a replay of the same signed push', async () => {
    const req = await signedSync([prediction('1h', Date.now() - 30_000)], { keyId: 'k2', secret: 'test-only-sync-key-two-0123456789' });
    const replay = req.clone();
    expect((await SELF.fetch(req)).status).toBe(200);
    const second = await SELF.fetch(replay);
    expect(second.status).toBe(409);
    expect(((await second.json()) as { detail: string }).detail).toMatch(/replay/);
  });

  it('never lets an out-of-order push replace newer data', async () => {
    const newer = Date.now() - 10_000;
    await SELF.fetch(await signedSync([prediction('24h', newer)]));
    const res = await SELF.fetch(await signedSync([prediction('24h', newer - 3_600_000)]));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { accepted: number; ignored: { reason: string }[] };
    expect(body.accepted).toBe(0);
    expect(body.ignored[0]!.reason).toMatch(/not newer/);
    expect(((await env.PREDICTIONS.get(latestKey('24h'), 'json')) as { issuedAt: number }).issuedAt).toBe(newer);
  });

  it('names invalid fields of a well-signed but malformed body', async () => {
    const bad = { ...prediction('1h'), quantiles: { p05: 3, p25: 2, p50: 1, p75: 0.5, p95: 0.1 } };
    const res = await SELF.fetch(await signedSync([], { body: JSON.stringify({ predictions: [bad] }) }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: { field: string }[] }).errors[0]!.field).toBe('predictions.0.quantiles');
  });
});

describe('caller auth and limits', () => {
  it('refuses missing, expired, wrongly signed, wrong-audience and alg:none tokens', async () => {
    expect((await get('/api/v1/predictions')).status).toBe(401);
    expect((await get('/api/v1/predictions', { authorization: `Bearer ${await token({}, { exp: Math.floor(Date.now() / 1000) - 60 })}` })).status).toBe(401);
    expect((await get('/api/v1/predictions', { authorization: `Bearer ${await token({}, { secret: 'another-secret-0123456789abcdefgh' })}` })).status).toBe(401);
    expect((await get('/api/v1/predictions', { authorization: `Bearer ${await token({}, { aud: 'someone-else' })}` })).status).toBe(401);
    const b64 = (o: object) => btoa(JSON.stringify(o)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'x', iss: 'https://auth.satcast.local', aud: 'satcast-api', exp: 9999999999 })}.`;
    const res = await get('/api/v1/predictions', { authorization: `Bearer ${none}` });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('accepts an API key stored only as its hash', async () => {
    const key = 'sk_live_edge_test_0123456789';
    await env.PREDICTIONS.put(`apikey:${await sha256Hex(key)}`, JSON.stringify({ role: 'viewer' }));
    expect((await get('/api/v1/predictions', { 'x-api-key': key })).status).toBe(200);
    expect((await get('/api/v1/predictions', { 'x-api-key': 'sk_live_unknown' })).status).toBe(401);
  });

  it('enforces the per-caller limit with RateLimit headers and a 429 with Retry-After', async () => {
    const headers = { authorization: `Bearer ${await token({ sub: 'limited-user' })}` };
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 6; i++) {
      last = await get('/api/v1/predictions', headers);
      statuses.push(last.status);
      if (i === 0) expect(last.headers.get('ratelimit-remaining')).toBe('4');
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(last!.headers.get('ratelimit-limit')).toBe('5');
    // Another caller is not affected.
    expect((await get('/api/v1/predictions', await auth())).status).toBe(200);
  });

  it('answers a bad horizon with 400 problem+json naming the parameter', async () => {
    const res = await get('/api/v1/predictions?horizon=7d', await auth());
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: { field: string }[] }).errors[0]!.field).toBe('horizon');
  });
});

describe('cache misses and staleness', () => {
  it('a fresh isolate is served from the location Cache API before KV; a sync purges it', async () => {
    await clearKv();
    const t1 = Date.now(); // newer than anything synced by earlier tests (the ledger keeps order)
    await SELF.fetch(await signedSync([prediction('1h', t1)]));
    expect((await (await get('/api/v1/predictions?horizon=1h', await auth())).json()) as object).toMatchObject({ predictions: [{ issuedAt: t1 }] });
    // Another writer changes KV; a new isolate (memo dropped) still gets the location's cached copy.
    await env.PREDICTIONS.put(latestKey('1h'), JSON.stringify(prediction('1h', t1 + 1000)));
    dropIsolateMemo();
    expect((await (await get('/api/v1/predictions?horizon=1h', await auth())).json()) as object).toMatchObject({ predictions: [{ issuedAt: t1 }] });
    // A sync through this location purges the cached copy.
    const t2 = t1 + 2000;
    await SELF.fetch(await signedSync([prediction('1h', t2)]));
    expect((await (await get('/api/v1/predictions?horizon=1h', await auth())).json()) as object).toMatchObject({ predictions: [{ issuedAt: t2 }] });
  });

  it('on a KV miss fetches the origin and caches what it returns', async () => {
    await clearKv();
    const fresh = [prediction('1h'), prediction('4h'), prediction('24h')];
    const origin = mockOrigin(() => Response.json({ predictions: fresh }));
    const res = await get('/api/v1/predictions', await auth());
    expect(res.status).toBe(200);
    expect(res.headers.get('x-satcast-source')).toBe('origin');
    expect(await env.PREDICTIONS.get(latestKey('1h'), 'json')).toMatchObject({ horizon: '1h' });
    expect(origin).toHaveBeenCalled();
  });

  it('serves stale data at once with a warning, and revalidates from the origin in the background', async () => {
    await clearKv();
    const old = Date.now() - 5 * 3_600_000;
    await putLatest((['1h', '4h', '24h'] as const).map((h) => prediction(h, old)));
    const fresh = Date.now() - 60_000;
    const origin = mockOrigin(() => Response.json({ predictions: [prediction('1h', fresh), prediction('4h', fresh), prediction('24h', fresh)] }));
    const res = await get('/api/v1/predictions', await auth());
    expect(res.status).toBe(200);
    expect(res.headers.get('warning')).toMatch(/^110/);
    expect(res.headers.get('x-satcast-stale')).toBe('true');
    expect(((await res.json()) as { stale: boolean }).stale).toBe(true);
    // The background refresh lands in KV, so the next caller gets fresh data without a warning.
    for (let i = 0; i < 50 && ((await env.PREDICTIONS.get(latestKey('1h'), 'json')) as { issuedAt: number }).issuedAt !== fresh; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(origin).toHaveBeenCalled();
    const next = await get('/api/v1/predictions', await auth());
    expect(next.headers.get('warning')).toBeNull();
  });

  it('keeps serving stale data, flagged, while the origin is down', async () => {
    await clearKv();
    const old = Date.now() - 5 * 3_600_000;
    await putLatest((['1h', '4h', '24h'] as const).map((h) => prediction(h, old)));
    mockOrigin(() => new Response('down', { status: 503 }));
    const res = await get('/api/v1/predictions', await auth());
    expect(res.status).toBe(200);
    expect(res.headers.get('x-satcast-stale')).toBe('true');
    expect(((await res.json()) as { predictions: { issuedAt: number }[] }).predictions[0]!.issuedAt).toBe(old);
  });

  it('returns 503 problem+json when KV is empty and the origin is unreachable', async () => {
    await clearKv();
    mockOrigin(() => {
      throw new TypeError('connection refused');
    });
    const res = await get('/api/v1/predictions', await auth());
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });
});
