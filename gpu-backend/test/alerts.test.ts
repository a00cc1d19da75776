import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

// Async, not spawnSync: blocking the event loop for seconds lets the in-process server's keep-alive
// timers close sockets the client then reuses (ECONNRESET on a loaded machine).
const run = async (args: string[]) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, args, { encoding: 'utf8' });
    return { status: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { status: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
  }
};
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { startSatcast, type Satcast } from '../src/runner.js';
import { quietLog, tempDir, testConfig, writeCandlesCsv } from './helpers.js';

const SECRET = 'alerts-test-secret-0123456789abcdef';
const jwt = (sub: string) =>
  new SignJWT({ role: 'viewer' }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuer('https://auth.satcast.local')
    .setAudience('satcast-api').setExpirationTime('5m').sign(new TextEncoder().encode(SECRET));
const rule = { name: 'confident 4h', kind: 'confidence_above', horizon: '4h', threshold: 0.7, channel: { type: 'webhook', url: 'https://hooks.example.com/x' } };

describe('alert rules API and API keys', () => {
  let sc: Satcast;
  let dir: string;
  beforeAll(async () => {
    process.env.SATCAST_JWT_SECRET = SECRET;
    dir = tempDir();
    sc = await startSatcast(testConfig(dir, writeCandlesCsv(dir, Date.UTC(2024, 0, 1), Date.UTC(2024, 1, 1))), { log: quietLog, live: false });
  }, 60_000);
  afterAll(() => sc?.close());
  const call = async (method: string, path: string, who?: string, body?: unknown) =>
    fetch(`${sc.url}${path}`, {
      method,
      headers: { ...(who ? { authorization: `Bearer ${await jwt(who)}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });

  it('requires authentication even when anonymous reads are allowed', async () => {
    expect((await call('GET', '/api/v1/alerts')).status).toBe(401);
  });

  it('creates, reads, replaces and deletes a rule; others cannot see or touch it; mutations are audited', async () => {
    const created = await call('POST', '/api/v1/alerts', 'alice', rule);
    expect(created.status).toBe(201);
    const r = (await created.json()) as { id: string; owner: string };
    expect(r.owner).toBe('jwt:alice');
    expect(((await (await call('GET', '/api/v1/alerts', 'alice')).json()) as { rules: unknown[] }).rules).toHaveLength(1);
    expect(((await (await call('GET', '/api/v1/alerts', 'bob')).json()) as { rules: unknown[] }).rules).toHaveLength(0);
    expect((await call('GET', `/api/v1/alerts/${r.id}`, 'bob')).status).toBe(404);
    expect((await call('PUT', `/api/v1/alerts/${r.id}`, 'bob', rule)).status).toBe(404);
    expect((await call('DELETE', `/api/v1/alerts/${r.id}`, 'bob')).status).toBe(404);
    const put = await call('PUT', `/api/v1/alerts/${r.id}`, 'alice', { ...rule, threshold: 0.8 });
    expect(((await put.json()) as { threshold: number }).threshold).toBe(0.8);
    expect((await call('DELETE', `/api/v1/alerts/${r.id}`, 'alice')).status).toBe(204);
    expect((await call('GET', `/api/v1/alerts/${r.id}`, 'alice')).status).toBe(404);
    const actions = (await sc.store.listAudit({ limit: 1000 })).filter((e) => e.actor === 'jwt:alice').map((e) => e.action);
    expect(actions).toEqual(['alert_rule.create', 'alert_rule.update', 'alert_rule.delete']);
  });

  it('names the bad fields of a malformed rule', async () => {
    const res = await call('POST', '/api/v1/alerts', 'alice', { ...rule, horizon: '2h', threshold: undefined, channel: { type: 'pigeon' }, extra: 1 });
    expect(res.status).toBe(400);
    const fields = ((await res.json()) as { errors: { field: string }[] }).errors.map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['horizon', 'channel.type']));
  });

  it('an API key created with the CLI authenticates once shown, and stops working when revoked', async () => {
    const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
    const cfg = join(dir, 'satcast.config.json');
    writeFileSync(cfg, JSON.stringify({ store: { url: `file:${join(dir, 'store.db')}` }, sources: [{ plugin: 'csv', options: { path: join(dir, 'candles.csv.gz') } }], features: [{ plugin: 'ta' }], models: [{ plugin: 'ewma-band' }], servedModel: 'ewma-band' }));
    const made = await run([cli, 'keys', 'create', '--owner', 'carol', '--role', 'operator', '--config', cfg]);
    expect(made.status, made.stderr).toBe(0);
    const secret = made.stdout.trim().split('\n').at(-1)!;
    const id = /created (key_[0-9a-f]+)/.exec(made.stdout)![1]!;
    expect(secret).toMatch(/^sk_/);
    const listed = (await run([cli, 'keys', 'list', '--config', cfg])).stdout;
    expect(listed).toContain(id);
    expect(listed).not.toContain(secret);
    const ok = await fetch(`${sc.url}/api/v1/alerts`, { headers: { 'x-api-key': secret } });
    expect(ok.status).toBe(200);
    expect((await run([cli, 'keys', 'revoke', id, '--config', cfg])).status).toBe(0);
    const revoked = await fetch(`${sc.url}/api/v1/alerts`, { headers: { 'x-api-key': secret } });
    expect(revoked.status).toBe(401);
    expect(((await revoked.json()) as { detail: string }).detail).toMatch(/revoked/);
    expect((await fetch(`${sc.url}/api/v1/alerts`, { headers: { 'x-api-key': 'sk_wrong' } })).status).toBe(401);
  });
});
