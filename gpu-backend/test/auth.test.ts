import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { startSatcast, type Satcast } from '../src/runner.js';
import { quietLog, tempDir, testConfig, writeCandlesCsv } from './helpers.js';

const SECRET = 'backend-auth-test-secret-0123456789';
const from = Date.UTC(2024, 0, 1);
const to = Date.UTC(2024, 1, 15);

const jwt = (sub: string, o: { aud?: string; exp?: number | string; key?: string; role?: string } = {}) =>
  new SignJWT({ role: o.role ?? 'viewer' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuer('https://auth.satcast.local')
    .setAudience(o.aud ?? 'satcast-api')
    .setExpirationTime(o.exp ?? '5m')
    .sign(new TextEncoder().encode(o.key ?? SECRET));

async function start(dir: string, csv: string, overrides: object) {
  process.env.SATCAST_JWT_SECRET = SECRET;
  return startSatcast(testConfig(dir, csv, overrides), { log: quietLog, live: false });
}

describe('auth and rate limits on /api/v1/predictions', () => {
  let sc: Satcast;
  const dir = tempDir();
  let csv: string;
  beforeAll(async () => {
    csv = writeCandlesCsv(dir, from, to);
    sc = await start(dir, csv, { auth: { allowAnonymous: false }, rateLimit: { limit: 3 } });
  }, 60_000);
  afterAll(() => sc?.close());
  const get = (token?: string) => fetch(`${sc.url}/api/v1/predictions`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('refuses missing, expired, wrong-audience, wrongly signed and alg:none tokens, and audits each', async () => {
    const before = (await sc.store.listAudit({ limit: 1000 })).length;
    const b64 = (x: object) => Buffer.from(JSON.stringify(x)).toString('base64url');
    const tokens = [
      undefined,
      await jwt('a', { exp: Math.floor(Date.now() / 1000) - 60 }),
      await jwt('a', { aud: 'elsewhere' }),
      await jwt('a', { key: 'not-the-secret-0123456789abcdefgh' }),
      `${b64({ alg: 'none' })}.${b64({ sub: 'a', iss: 'https://auth.satcast.local', aud: 'satcast-api', exp: 9_999_999_999 })}.`,
    ];
    for (const t of tokens) {
      const res = await get(t);
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    }
    const audit = await sc.store.listAudit({ limit: 1000 });
    expect(audit.length - before).toBe(tokens.length);
    expect(audit.at(-1)).toMatchObject({ action: 'auth.failure', target: '/api/v1/predictions' });
    expect(String(audit.at(-1)!.detail?.reason)).toMatch(/not allowed/);
  });

  it('serves a valid token with RateLimit headers, then 429 with Retry-After; other users are unaffected', async () => {
    const token = await jwt(`user-${Date.now()}`);
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 4; i++) {
      last = await get(token);
      statuses.push(last.status);
      if (i === 0) expect(last.headers.get('ratelimit-remaining')).toBe('2');
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(last!.headers.get('ratelimit-limit')).toBe('3');
    expect((await get(await jwt(`other-${Date.now()}`))).status).toBe(200);
  });
});

describe('RBAC: /api/v1/models/performance is admin only', () => {
  it('401 without a token, 403 for a viewer, scores beside persistence for an admin', async () => {
    const dir = tempDir();
    const sc = await start(dir, writeCandlesCsv(dir, from, to), {});
    try {
      const url = `${sc.url}/api/v1/models/performance`;
      expect((await fetch(url)).status).toBe(401);
      const viewer = await fetch(url, { headers: { authorization: `Bearer ${await jwt('v')}` } });
      expect(viewer.status).toBe(403);
      const admin = await fetch(url, { headers: { authorization: `Bearer ${await jwt('root', { role: 'admin' })}` } });
      expect(admin.status).toBe(200);
      const body = (await admin.json()) as { scores: { model: string; horizon: string }[] };
      expect(body.scores.map((s) => s.model)).toEqual(['persistence', 'persistence', 'persistence', 'ewma-band', 'ewma-band', 'ewma-band']);
    } finally {
      await sc.close();
    }
  }, 60_000);
});

describe('Redis-backed limit', () => {
  it('survives a backend restart', async () => {
    const dir = tempDir();
    const csv = writeCandlesCsv(dir, from, to);
    const cfg = { auth: { allowAnonymous: false }, rateLimit: { limit: 2, store: 'redis' as const } };
    const token = await jwt(`restart-${Date.now()}-${Math.random()}`);
    let sc = await start(dir, csv, cfg);
    const call = () => fetch(`${sc.url}/api/v1/predictions`, { headers: { authorization: `Bearer ${token}` } });
    expect((await call()).status).toBe(200);
    expect((await call()).status).toBe(200);
    await sc.close();
    sc = await start(dir, csv, cfg);
    try {
      expect((await call()).status).toBe(429);
    } finally {
      await sc.close();
    }
  }, 60_000);
});
