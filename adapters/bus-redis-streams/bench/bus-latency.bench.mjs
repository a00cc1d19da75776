/**
 * Event -> stored -> published latency of one closed bar through the bus, the live path's hot loop:
 * publish a candle on `candles`; a `store` consumer upserts it into a libSQL :memory: store and publishes a
 * prediction-like message on `predictions`; a `stream` consumer receives it. Latency = publish call to final
 * receipt, one bar at a time (bars close hourly: latency, not throughput, is what a user sees), then a burst
 * of bars published back-to-back (a backfill or a reconnect catching up).
 * Reference: the in-memory bus, measured in the same run. Goal: p99 < 50 ms through Redis.
 * Run after a build: `pnpm --filter @satcast/adapter-bus-redis-streams build && node bench/run.mjs bus-latency`.
 * Needs Redis at 127.0.0.1:6379 (REDIS_URL overrides); without it only the reference is printed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { Redis } from 'ioredis';
import { createBus as createMemoryBus } from '@satcast/adapter-bus-memory';
import { createStore } from '@satcast/adapter-store-libsql';
import { createBus as createRedisBus } from '../dist/index.js';

const SEQUENTIAL = 500;
const WARMUP = 50;
const BURST = 500;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const bundled = new URL('../../../data/btc_usdt_1h.csv.gz', import.meta.url);

function loadCandles(n) {
  if (existsSync(bundled)) {
    const lines = gunzipSync(readFileSync(bundled)).toString('utf8').trim().split('\n').slice(1, n + 1);
    return lines.map((l) => {
      const [t, o, h, lo, c, v] = l.split(',').map(Number);
      return { symbol: 'BTCUSDT', interval: '1h', openTime: t, open: o, high: h, low: lo, close: c, volume: v, source: 'binance' };
    });
  }
  const H = 3_600_000;
  return Array.from({ length: n }, (_, i) => ({ symbol: 'BTCUSDT', interval: '1h', openTime: 1_500_001_200_000 + i * H, open: 60_000, high: 60_100, low: 59_900, close: 60_050, volume: 10 }));
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

/** Wire the two stages on `bus` and return `run(candles, mode)` -> latencies in ms. */
async function pipeline(bus, withStore) {
  const store = withStore ? await createStore({ url: ':memory:' }) : undefined;
  const sentAt = new Map();
  const waiters = new Map();
  await bus.subscribe({ topic: 'satcast.candles', group: 'store', handler: async (m) => {
    await store?.upsertCandles([m.value]); // idempotent upsert: a redelivery changes nothing
    const c = m.value;
    await bus.publish('satcast.predictions', `${c.symbol}:${c.interval}`, { asset: c.symbol, horizon: '1h', issuedAt: c.openTime + 3_600_000, point: c.close, sourceOffset: m.offset });
  } });
  await bus.subscribe({ topic: 'satcast.predictions', group: 'stream', handler: (m) => {
    const t = m.value.issuedAt - 3_600_000;
    waiters.get(t)?.(performance.now() - sentAt.get(t));
  } });
  const send = (c) => {
    const done = new Promise((r) => waiters.set(c.openTime, r));
    sentAt.set(c.openTime, performance.now());
    return { done, published: bus.publish('satcast.candles', `${c.symbol}:${c.interval}`, c) };
  };
  return {
    async sequential(candles) {
      const out = [];
      for (const c of candles) {
        const { done, published } = send(c);
        await published;
        out.push(await done);
      }
      return out;
    },
    async burst(candles) {
      const all = candles.map(send);
      await Promise.all(all.map((x) => x.published));
      return Promise.all(all.map((x) => x.done));
    },
    async close() {
      await bus.close();
      await store?.close();
    },
  };
}

async function measure(label, makeBus, candles, withStore = true) {
  const p = await pipeline(await makeBus(), withStore);
  await p.sequential(candles.slice(0, WARMUP));
  const seq = (await p.sequential(candles.slice(WARMUP, WARMUP + SEQUENTIAL))).sort((a, b) => a - b);
  const burst = (await p.burst(candles.slice(WARMUP + SEQUENTIAL))).sort((a, b) => a - b);
  await p.close();
  const row = { label, p50: pct(seq, 50), p99: pct(seq, 99), max: seq.at(-1), burstP50: pct(burst, 50), burstP99: pct(burst, 99) };
  const f = (x) => x.toFixed(2).padStart(8);
  console.log(`${label.padEnd(16)} one bar at a time: p50 ${f(row.p50)} ms  p99 ${f(row.p99)} ms  max ${f(row.max)} ms | burst of ${BURST}: p50 ${f(row.burstP50)} ms  p99 ${f(row.burstP99)} ms`);
  return row;
}

async function redisReachable() {
  const r = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => {});
  try {
    await r.connect();
    await r.ping();
    return true;
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

const candles = loadCandles(WARMUP + SEQUENTIAL + BURST);
console.log(`bus latency, candle -> store (libsql :memory:) -> prediction -> receipt; ${SEQUENTIAL} bars one at a time after ${WARMUP} warm-up, then a burst of ${BURST}; node ${process.version}`);
const mem = await measure('memory (ref)', async () => createMemoryBus(), candles);
if (!(await redisReachable())) {
  console.log(`redis-streams    skipped: Redis unreachable at ${REDIS_URL}`);
  process.exit(0);
}
const cleanup = new Redis(REDIS_URL);
let run = 0;
const redisBus = async () => createRedisBus({ url: REDIS_URL, prefix: `satcast-bench:${process.pid}:${run++}:` });
const red = await measure('redis-streams', redisBus, candles);
// The same two hops without the store, to tell the bus's share of the latency from the store's.
console.log('without the store (the two bus hops only):');
await measure('  memory', async () => createMemoryBus(), candles, false);
await measure('  redis-streams', redisBus, candles, false);
for (let i = 0; i < run; i++) await cleanup.del(`satcast-bench:${process.pid}:${i}:satcast.candles`, `satcast-bench:${process.pid}:${i}:satcast.predictions`);
await cleanup.quit();
console.log(`ratio redis/memory: p50 x${(red.p50 / mem.p50).toFixed(1)}, p99 x${(red.p99 / mem.p99).toFixed(1)}, burst p99 x${(red.burstP99 / mem.burstP99).toFixed(1)}`);
console.log(`goal p99 < 50 ms through Redis (one bar at a time): ${red.p99 < 50 ? 'met' : 'NOT met'} (${red.p99.toFixed(2)} ms)`);
