import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import type { JwtVerifier, Principal } from '@satcast/adapter-auth-jose';
import { startSatcast, type Satcast } from '../src/runner.js';
import { tokenCache } from '../src/server/token-cache.js';
import { rawHeader } from '../src/server/guard.js';
import { textFrame } from '../src/server/stream.js';
import { parsePrometheus } from './prometheus.js';
import { quietLog, tempDir, testConfig, writeCandlesCsv } from './helpers.js';

const SECRET = 'hot-path-test-secret-0123456789abcdef';
const jwt = (sub: string, exp: number | string = '5m') =>
  new SignJWT({ role: 'viewer' }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuer('https://auth.satcast.local')
    .setAudience('satcast-api').setExpirationTime(exp).sign(new TextEncoder().encode(SECRET));

describe('token cache (hot-path authentication)', () => {
  const verifier = (exp: number | undefined, calls: string[] = []): JwtVerifier => async (token) => {
    calls.push(token);
    if (token.startsWith('bad')) throw new Error('invalid bearer token: signature or format invalid');
    return { id: `jwt:${token}`, role: 'viewer', via: 'jwt', ...(exp !== undefined ? { exp } : {}) } satisfies Principal;
  };

  it('knows only tokens the verifier accepted; failures propagate and are not remembered', async () => {
    const calls: string[] = [];
    const c = tokenCache(verifier(Math.floor(Date.now() / 1000) + 3600, calls));
    expect(c.peek('t1')).toBeUndefined();
    expect((await c.verify('t1')).id).toBe('jwt:t1');
    expect(c.peek('t1')?.id).toBe('jwt:t1');
    await expect(c.verify('bad-1')).rejects.toThrow(/signature/);
    expect(c.peek('bad-1')).toBeUndefined();
    expect(calls).toEqual(['t1', 'bad-1']);
  });

  it('never answers after exp (ends 5 s before it) nor later than 60 s after verification', async () => {
    const now = Date.now();
    const exp = Math.floor(now / 1000) + 30;
    const soon = tokenCache(verifier(exp));
    await soon.verify('t');
    expect(soon.peek('t', exp * 1000 - 5001)).toBeDefined();
    expect(soon.peek('t', exp * 1000 - 5000)).toBeUndefined();
    expect(soon.peek('t', exp * 1000 + 1)).toBeUndefined();
    const far = tokenCache(verifier(Math.floor(now / 1000) + 86_400));
    await far.verify('t');
    expect(far.peek('t', now + 30_000)).toBeDefined();
    expect(far.peek('t', Date.now() + 60_001)).toBeUndefined();
    // A token already within the margin of its expiry is not remembered at all.
    const expiring = tokenCache(verifier(Math.floor(now / 1000) + 2));
    await expiring.verify('t');
    expect(expiring.peek('t')).toBeUndefined();
  });

  it('is per verifier (secret / JWKS / issuer / audience) and bounded', async () => {
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const a = tokenCache(verifier(exp));
    const b = tokenCache(verifier(exp));
    await a.verify('shared');
    expect(b.peek('shared')).toBeUndefined();
    const small = tokenCache(verifier(exp), { maxEntries: 3 });
    for (const t of ['t1', 't2', 't3', 't4']) await small.verify(t);
    expect(['t1', 't2', 't3', 't4'].map((t) => small.peek(t) !== undefined)).toEqual([false, true, true, true]);
  });
});

describe('raw header lookup', () => {
  it('matches names case-insensitively and joins repeats like Headers.get', () => {
    const raw = ['Host', 'x', 'Authorization', 'Bearer a', 'X-Api-Key', 'k', 'authorization', 'Bearer b'];
    expect(rawHeader(raw, 'authorization')).toBe(new Headers([['authorization', 'Bearer a'], ['authorization', 'Bearer b']]).get('authorization'));
    expect(rawHeader(raw, 'x-api-key')).toBe('k');
    expect(rawHeader(raw, 'cookie')).toBeUndefined();
  });
});

describe('WebSocket text frames built once per broadcast', () => {
  it('encodes 7-bit, 16-bit and 64-bit payload lengths (RFC 6455 §5.2), unmasked, FIN + text', () => {
    for (const n of [5, 300, 70_000]) {
      const text = 'é'.repeat(n); // 2 bytes each in UTF-8
      const f = textFrame(text);
      const len = Buffer.byteLength(text);
      expect(f[0]).toBe(0x81);
      const head = len < 126 ? 2 : len < 65_536 ? 4 : 10;
      const declared = head === 2 ? f[1]! : head === 4 ? f.readUInt16BE(2) : Number(f.readBigUInt64BE(2));
      expect(f[1]! & 0x80).toBe(0);
      expect(declared).toBe(len);
      expect(f.subarray(head).toString('utf8')).toBe(text);
      expect(f.length).toBe(head + len);
    }
  });
});

describe('GET /api/v1/predictions answered before routing for a known token', () => {
  let sc: Satcast;
  beforeAll(async () => {
    process.env.SATCAST_JWT_SECRET = SECRET;
    const dir = tempDir();
    sc = await startSatcast(testConfig(dir, writeCandlesCsv(dir, Date.UTC(2024, 0, 1), Date.UTC(2024, 1, 1)), { auth: { allowAnonymous: false }, rateLimit: { limit: 5 } }), { log: quietLog, live: false });
  }, 60_000);
  afterAll(() => sc?.close());

  it('gives the same answer as the routed path, with exact rate limits and the same metrics', async () => {
    const token = await jwt(`hot-${Date.now()}`);
    const get = () => fetch(`${sc.url}/api/v1/predictions`, { headers: { authorization: `Bearer ${token}` } });
    const responses = [];
    for (let i = 0; i < 6; i++) {
      const r = await get();
      responses.push({ status: r.status, type: r.headers.get('content-type'), limit: r.headers.get('ratelimit-limit'), remaining: r.headers.get('ratelimit-remaining'), retry: r.headers.get('retry-after'), body: await r.text() });
    }
    // The first call is routed (token not yet verified), the next ones take the hot path.
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429]);
    expect(responses.map((r) => r.remaining)).toEqual(['4', '3', '2', '1', '0', '0']);
    for (const r of responses.slice(1, 5)) {
      expect(r.body).toBe(responses[0]!.body);
      expect(r.type).toBe('application/json');
      expect(r.limit).toBe('5');
      expect(r.retry).toBeNull();
    }
    expect(responses[5]!.type).toContain('application/problem+json');
    expect(Number(responses[5]!.retry)).toBeGreaterThan(0);
    const text = await (await fetch(`${sc.url}/metrics`)).text();
    const count = (status: string) =>
      parsePrometheus(text).value('satcast_http_request_duration_seconds_count', { method: 'GET', route: '/api/v1/predictions', status });
    expect(count('200')).toBe(5);
    expect(count('429')).toBe(1);
  });

  it('still refuses a token once it has expired, and unknown tokens go through the full checks', async () => {
    const expired = await jwt('late', Math.floor(Date.now() / 1000) - 10);
    const r = await fetch(`${sc.url}/api/v1/predictions`, { headers: { authorization: `Bearer ${expired}` } });
    expect(r.status).toBe(401);
    const before = (await sc.store.listAudit({ limit: 1000 })).length;
    const forged = await new SignJWT({ role: 'viewer' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setIssuer('https://auth.satcast.local')
      .setAudience('satcast-api').setExpirationTime('5m').sign(new TextEncoder().encode('another-secret-0123456789abcdefgh'));
    expect((await fetch(`${sc.url}/api/v1/predictions`, { headers: { authorization: `Bearer ${forged}` } })).status).toBe(401);
    expect((await sc.store.listAudit({ limit: 1000 })).length).toBe(before + 1);
  });
});
