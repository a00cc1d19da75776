/**
 * Backfill speed of the Binance source against a local fake `GET /api/v3/klines` serving the bundled
 * BTCUSDT 1h history (68,869 bars, 69 pages of 1000). Reference, measured in the same run: the same
 * pages fetched and `JSON.parse`d with no validation, limiter or policies. Prints bars/s and the ratio
 * (plugin time / reference time). Run after a build: `node bench/run.mjs backfill` from the repo root.
 * Asserts nothing: speed is judged here, not in tests.
 */
import { createServer } from 'node:http';
import { loadBtcHourly } from '@satcast/data';
import { createPluginContext } from '@satcast/core';
import binance, { createBinanceSource } from '../dist/index.js';

const HOUR = 3_600_000;
const bars = loadBtcHourly();
const rows = bars.map((c) => [c.openTime, String(c.open), String(c.high), String(c.low), String(c.close), String(c.volume), c.openTime + HOUR - 1, '0', 1, '0', '0', '0']);

function lowerBound(t) {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rows[mid][0] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const server = createServer((req, res) => {
  const q = new URL(req.url, 'http://x').searchParams;
  const start = lowerBound(Number(q.get('startTime')));
  const end = Number(q.get('endTime'));
  const page = [];
  for (let i = start; i < rows.length && page.length < Number(q.get('limit')) && rows[i][0] <= end; i++) page.push(rows[i]);
  res.writeHead(200, { 'content-type': 'application/json', 'x-mbx-used-weight-1m': '2' });
  res.end(JSON.stringify(page));
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}`;
const from = bars[0].openTime;
const to = bars.at(-1).openTime + HOUR;
const now = to + 1000;

async function reference() {
  let n = 0;
  let start = from;
  for (;;) {
    const res = await fetch(`${base}/api/v3/klines?symbol=BTCUSDT&interval=1h&startTime=${start}&endTime=${to - 1}&limit=1000`);
    const page = JSON.parse(await res.text());
    n += page.length;
    if (page.length < 1000) return n;
    start = page.at(-1)[0] + HOUR;
  }
}

async function plugin() {
  const opts = binance.optionsSchema.parse({ baseUrl: base });
  const source = createBinanceSource(opts, createPluginContext({ now: () => now }));
  const batch = await source.fetchRange({ from, to });
  return batch.candles.length;
}

async function best(fn, runs = 3) {
  let ms = Infinity;
  let n = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    n = await fn();
    ms = Math.min(ms, performance.now() - t0);
  }
  return { ms, n };
}

console.log(`binance backfill: ${bars.length} bars over ${Math.ceil(bars.length / 1000)} pages, node ${process.version}`);
const ref = await best(reference);
const plg = await best(plugin);
const line = (label, r) => console.log(`${label.padEnd(36)} ${String(Math.round(r.ms)).padStart(6)} ms  ${String(Math.round((r.n / r.ms) * 1000)).padStart(9)} bars/s  (${r.n} bars)`);
line('reference: fetch + JSON.parse', ref);
line('plugin: fetchRange (zod, limiter, policies)', plg);
console.log(`ratio plugin/reference: ${(plg.ms / ref.ms).toFixed(2)}x`);
server.close();
