#!/usr/bin/env node
/**
 * WebSocket fan-out: N local clients (default 5,000) on /stream/predictions; each broadcast of the three
 * latest predictions is timed from the send call to the last client's receipt. Reference measured in the
 * same run: the same broadcast to a single client. Prints p50/p99 over the rounds and the ratio.
 * Goal (issue "Backend service"): broadcast p99 < 100 ms at 5,000 clients.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import WebSocket from 'ws';
import { resolveConfig } from '@satcast/core';
import { loadBtcHourly } from '@satcast/data';
import { builtinRegistry, startSatcast } from '../dist/index.js';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 5000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);
const dir = mkdtempSync(join(tmpdir(), 'satcast-ws-bench-'));
const bars = loadBtcHourly({ from: Date.UTC(2024, 0, 1), to: Date.UTC(2024, 2, 1) });
const csv = join(dir, 'c.csv.gz');
writeFileSync(csv, gzipSync(`ts,open,high,low,close,volume\n${bars.map((b) => `${b.openTime},${b.open},${b.high},${b.low},${b.close},${b.volume}`).join('\n')}\n`));
const config = resolveConfig(
  { store: { url: `file:${join(dir, 'b.db')}` }, sources: [{ plugin: 'csv', options: { path: csv } }], features: [{ plugin: 'ta' }], models: [{ plugin: 'ewma-band' }], servedModel: 'ewma-band', server: { port: 0 } },
  builtinRegistry(),
);
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const sc = await startSatcast(config, { log: quiet, live: false, stream: { intervalMs: 3_600_000, maxBufferedBytes: 16 << 20 } });
const latest = await sc.store.latestPredictions({ asset: 'BTCUSDT', model: 'ewma-band' });
const url = `${sc.url.replace('http', 'ws')}/stream/predictions`;

async function connect(n) {
  const sockets = [];
  for (let i = 0; i < n; i += 200) {
    const batch = Array.from({ length: Math.min(200, n - i) }, () => new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.counter = 0;
      ws.on('message', () => ws.counter++);
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    }));
    sockets.push(...(await Promise.all(batch)));
  }
  // Wait for the welcome + initial predictions to drain.
  await new Promise((r) => setTimeout(r, 500));
  return sockets;
}

async function rounds(sockets, k) {
  const times = [];
  for (let r = 0; r < k; r++) {
    const base = sockets.map((s) => s.counter);
    const t0 = performance.now();
    sc.stream.broadcast(latest);
    while (sockets.some((s, i) => s.counter < base[i] + latest.length)) await new Promise((res) => setImmediate(res));
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b);
}

const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const one = await connect(1);
const ref = await rounds(one, ROUNDS);
one.forEach((s) => s.close());
const many = await connect(CLIENTS);
const fan = await rounds(many, ROUNDS);
many.forEach((s) => s.terminate());
await sc.close();
console.log(`broadcast of ${latest.length} predictions, ${ROUNDS} rounds; clients and server share this machine's 2 cores`);
console.log(`1 client (reference)   p50 ${pct(ref, 0.5).toFixed(2)} ms   p99 ${pct(ref, 0.99).toFixed(2)} ms`);
console.log(`${CLIENTS} clients          p50 ${pct(fan, 0.5).toFixed(2)} ms   p99 ${pct(fan, 0.99).toFixed(2)} ms   (goal p99 < 100 ms)`);
console.log(`ratio p50: ${(pct(fan, 0.5) / pct(ref, 0.5)).toFixed(0)}x for ${CLIENTS}x the clients`);
