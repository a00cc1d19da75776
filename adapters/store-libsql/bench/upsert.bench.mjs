/**
 * Bulk-upsert speed of the libSQL store: the backend loads ~69,000 hourly candles at start.
 * Run after a build: `pnpm --filter @satcast/adapter-store-libsql build && pnpm --filter @satcast/adapter-store-libsql bench`.
 * Uses the bundled BTCUSDT 1h history when the repo has it, else a synthetic walk of the same size.
 * Prints rows/s; it asserts nothing (speed is judged here, not in tests).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createStore } from '../dist/index.js';

const HOUR = 3_600_000;
const bundled = new URL('../../../data/btc_usdt_1h.csv.gz', import.meta.url);

function loadCandles() {
  if (existsSync(bundled)) {
    const lines = gunzipSync(readFileSync(bundled)).toString('utf8').trim().split('\n').slice(1);
    return {
      from: 'data/btc_usdt_1h.csv.gz',
      candles: lines.map((l) => {
        const [t, o, h, lo, c, v] = l.split(',').map(Number);
        return { symbol: 'BTCUSDT', interval: '1h', openTime: t, open: o, high: h, low: lo, close: c, volume: v, source: 'binance' };
      }),
    };
  }
  const candles = [];
  let p = 60_000;
  for (let i = 0; i < 69_000; i++) {
    const c = p * (1 + Math.sin(i * 0.37) * 0.004);
    candles.push({ symbol: 'BTCUSDT', interval: '1h', openTime: 1_500_000_000_000 - (1_500_000_000_000 % HOUR) + i * HOUR, open: p, high: Math.max(p, c) * 1.001, low: Math.min(p, c) * 0.999, close: c, volume: 500 + (i % 97) });
    p = c;
  }
  return { from: 'synthetic', candles };
}

async function timed(label, n, fn) {
  const t0 = performance.now();
  const res = await fn();
  const ms = performance.now() - t0;
  console.log(`${label.padEnd(34)} ${String(Math.round(ms)).padStart(6)} ms  ${String(Math.round((n / ms) * 1000)).padStart(9)} rows/s  ${JSON.stringify(res)}`);
}

const { from, candles } = loadCandles();
console.log(`store-libsql bulk upsert: ${candles.length} candles (${from}), node ${process.version}`);
const dir = mkdtempSync(join(tmpdir(), 'satcast-bench-'));
try {
  for (const url of [`file:${join(dir, 'bench.db')}`, ':memory:']) {
    const store = await createStore({ url });
    const where = url === ':memory:' ? 'memory' : 'file';
    await timed(`${where}: first load (insert)`, candles.length, () => store.upsertCandles(candles));
    await timed(`${where}: reload (all unchanged)`, candles.length, () => store.upsertCandles(candles));
    const revised = candles.map((c, i) => (i % 10 === 0 ? { ...c, volume: c.volume + 1 } : c));
    await timed(`${where}: reload (10% revised)`, candles.length, () => store.upsertCandles(revised));
    await timed(`${where}: read all`, candles.length, async () => (await store.getCandles({ symbol: 'BTCUSDT', interval: '1h' })).length);
    await store.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
