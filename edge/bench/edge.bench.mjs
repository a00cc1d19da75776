#!/usr/bin/env node
/**
 * Cached `GET /api/v1/predictions` (JWT auth + rate-limit DO + KV) in local workerd vs a bare Worker
 * route in the same run, same client, same concurrency. Prints req/s, p50/p99 and the ratio.
 * Goal (issue "Edge gateway"): >= 0.8x the bare throughput and p99 < 2 ms locally.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { Miniflare } from 'miniflare';
import { signPayload } from '@satcast/core';

const JWT_SECRET = 'bench-only-jwt-secret-0123456789abcdef';
const SYNC = 'bench-only-sync-secret-0123456789';
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 5000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 10);

// Bundle the worker exactly as `wrangler deploy` would (offline), then run it and the bare reference in
// one workerd process through Miniflare, both served over HTTP on 127.0.0.1 with no dev proxy in between.
const out = mkdtempSync(join(tmpdir(), 'satcast-edge-bench-'));
execFileSync('npx', ['wrangler', 'deploy', '--dry-run', '--outdir', out], { stdio: 'ignore', env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } });
const vars = { ORIGIN_URL: 'http://127.0.0.1:9', JWT_ISSUER: 'https://auth.satcast.local', JWT_AUDIENCE: 'satcast-api', SYNC_WINDOW_MS: '300000', HUB_SHARDS: '4', RATE_WINDOW_MS: '3600000', STALE_AFTER_MS: '7200000' };
const common = { modules: true, compatibilityDate: '2025-06-01' };
const mfEdge = new Miniflare({
  ...common,
  scriptPath: join(out, 'index.js'),
  modulesRoot: out,
  kvNamespaces: ['PREDICTIONS'],
  durableObjects: { HUB: 'PredictionHub', LIMITER: 'RateLimiter', LEDGER: 'SyncLedger' },
  bindings: { ...vars, JWT_SECRET, SYNC_KEYS: JSON.stringify({ k1: SYNC }), RATE_LIMIT: String(REQUESTS * 10) },
});
const here = new URL('.', import.meta.url).pathname;
const mfBare = new Miniflare({ ...common, scriptPath: join(here, 'bare-worker.js'), modulesRoot: here });
const edgeUrl = (await mfEdge.ready).toString().replace(/\/$/, '');
const bareUrl = (await mfBare.ready).toString().replace(/\/$/, '');

// Seed the edge with a real-shaped prediction set through the signed sync path.
const t = Date.now() - 60_000;
const predictions = ['1h', '4h', '24h'].map((h, i) => ({
  asset: 'BTCUSDT', horizon: h, issuedAt: t, targetTime: t + [3_600_000, 14_400_000, 86_400_000][i], lastPrice: 107135.34, point: 107140,
  quantiles: { p05: 105900, p25: 106700, p50: 107140, p75: 107600, p95: 108400 }, pUp: 0.53, confidence: 0.53, conservative: true,
  modelVersion: 'ewma-band@bench', metadata: {},
}));
const body = JSON.stringify({ predictions });
const ts = Date.now();
const sync = await fetch(`${edgeUrl}/sync/predictions`, {
  method: 'POST', body,
  headers: { 'content-type': 'application/json', 'x-satcast-key-id': 'k1', 'x-satcast-timestamp': String(ts), 'x-satcast-signature': await signPayload(SYNC, ts, body) },
});
if (!sync.ok) throw new Error(`seeding failed: ${sync.status} ${await sync.text()}`);
const token = await new SignJWT({ role: 'viewer' }).setProtectedHeader({ alg: 'HS256' }).setSubject('bench')
  .setIssuer('https://auth.satcast.local').setAudience('satcast-api').setExpirationTime('1h').sign(new TextEncoder().encode(JWT_SECRET));

async function run(url, headers) {
  const lat = [];
  let next = 0;
  const worker = async () => {
    while (next < REQUESTS) {
      next++;
      const s = performance.now();
      const r = await fetch(url, { headers });
      await r.arrayBuffer();
      if (r.status !== 200) throw new Error(`${url} answered ${r.status}`);
      lat.push(performance.now() - s);
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const secs = (performance.now() - start) / 1000;
  lat.sort((a, b) => a - b);
  return { rps: lat.length / secs, p50: lat[Math.floor(lat.length * 0.5)], p99: lat[Math.floor(lat.length * 0.99)] };
}

await run(`${bareUrl}/`, {}); // warm-up both
await run(`${edgeUrl}/api/v1/predictions`, { authorization: `Bearer ${token}` });
const ref = await run(`${bareUrl}/`, {});
const cached = await run(`${edgeUrl}/api/v1/predictions`, { authorization: `Bearer ${token}` });
await mfEdge.dispose();
await mfBare.dispose();

const f = (x) => x.toFixed(2).padStart(8);
console.log(`local workerd (Miniflare, no dev proxy), ${REQUESTS} requests, concurrency ${CONCURRENCY}, Node fetch client`);
console.log(`                                   req/s    p50 ms   p99 ms`);
console.log(`bare Worker route (reference)  ${f(ref.rps)} ${f(ref.p50)} ${f(ref.p99)}`);
console.log(`GET /api/v1/predictions        ${f(cached.rps)} ${f(cached.p50)} ${f(cached.p99)}   (JWT + rate-limit DO + KV)`);
console.log(`throughput ratio: ${(cached.rps / ref.rps).toFixed(2)}x of bare (goal >= 0.8x); p99 ${cached.p99.toFixed(2)} ms (goal < 2 ms)`);
