#!/usr/bin/env node
/**
 * `GET /api/v1/predictions` with JWT auth and rate limiting vs a bare Hono JSON route, same process
 * type, same load generator (autocannon, 100 connections), measured in the same run. Prints req/s, p50,
 * p99 and the throughput ratio. Goal (issue "Backend service"): >= 0.7x bare and p99 < 5 ms.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import autocannon from 'autocannon';
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import { SignJWT } from 'jose';
import { resolveConfig } from '@satcast/core';
import { loadBtcHourly } from '@satcast/data';
import { builtinRegistry, startSatcast } from '../dist/index.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const SECRET = 'bench-only-jwt-secret-0123456789abcdef';
process.env.SATCAST_JWT_SECRET = SECRET;
const dir = mkdtempSync(join(tmpdir(), 'satcast-api-bench-'));
const bars = loadBtcHourly({ from: Date.UTC(2024, 0, 1), to: Date.UTC(2024, 6, 1) });
const csv = join(dir, 'c.csv.gz');
writeFileSync(csv, gzipSync(`ts,open,high,low,close,volume\n${bars.map((b) => `${b.openTime},${b.open},${b.high},${b.low},${b.close},${b.volume}`).join('\n')}\n`));
const config = resolveConfig(
  {
    store: { url: `file:${join(dir, 'b.db')}` },
    sources: [{ plugin: 'csv', options: { path: csv } }],
    features: [{ plugin: 'ta' }],
    models: [{ plugin: 'persistence' }, { plugin: 'ewma-band' }],
    servedModel: 'ewma-band',
    auth: { allowAnonymous: false },
    rateLimit: { limit: 10_000_000 },
    server: { port: 0 },
  },
  builtinRegistry(),
);
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const sc = await startSatcast(config, { log: quiet, live: false });

const bareApp = new Hono().get('/bare', (c) => c.json({ ok: true }));
const bare = await new Promise((resolve) => {
  const s = serve({ fetch: bareApp.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
});
const bareUrl = `http://127.0.0.1:${bare.address().port}/bare`;
const token = await new SignJWT({ role: 'viewer' }).setProtectedHeader({ alg: 'HS256' }).setSubject('bench').setIssuer('https://auth.satcast.local')
  .setAudience('satcast-api').setExpirationTime('1h').sign(new TextEncoder().encode(SECRET));

const run = (url, headers = {}) =>
  new Promise((resolve, reject) => autocannon({ url, connections: 100, duration: SECONDS, headers }, (err, r) => (err ? reject(err) : resolve(r))));

await run(bareUrl); // warm-up
const ref = await run(bareUrl);
const api = await run(`${sc.url}/api/v1/predictions`, { authorization: `Bearer ${token}` });
await sc.close();
bare.close();

const row = (name, r) => `${name.padEnd(44)} ${r.requests.average.toFixed(0).padStart(8)} ${String(r.latency.p50).padStart(7)} ${String(r.latency.p99).padStart(7)}   non-2xx ${r.non2xx}`;
console.log(`autocannon, 100 connections, ${SECONDS} s each, this machine (2 cores shared with the load generator)`);
console.log(`${''.padEnd(44)}    req/s  p50 ms  p99 ms`);
console.log(row('bare Hono JSON route (reference)', ref));
console.log(row('GET /api/v1/predictions (JWT + rate limit)', api));
console.log(`throughput ratio: ${(api.requests.average / ref.requests.average).toFixed(2)}x of bare (goal >= 0.7x); p99 ${api.latency.p99} ms (goal < 5 ms)`);
