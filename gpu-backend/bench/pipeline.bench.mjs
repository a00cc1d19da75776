#!/usr/bin/env node
/**
 * Live-path latency: one closed bar -> incremental features -> refit + predict (2 models x 3 horizons)
 * -> store + cache + bus, then outcome scoring. Reference measured in the same run: writing the same
 * six predictions to the same store (the I/O floor). Prints p50/p99 of both and their ratio.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '@satcast/core';
import { bundledPath } from '@satcast/data';
import { builtinRegistry, startSatcast } from '../dist/index.js';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const N = 300;
const dir = mkdtempSync(join(tmpdir(), 'satcast-bench-'));
const config = resolveConfig(
  {
    store: { url: `file:${join(dir, 'bench.db')}` },
    sources: [{ plugin: 'csv', options: { path: bundledPath('btc_usdt_1h.csv.gz'), replay: { holdBackBars: N, barsPerSecond: 10_000 } } }],
    features: [{ plugin: 'ta' }],
    models: [{ plugin: 'persistence' }, { plugin: 'ewma-band' }],
    servedModel: 'ewma-band',
  },
  builtinRegistry(),
);

const t0 = performance.now();
const sc = await startSatcast(config, { log: quiet, live: false, listen: false });
const startupMs = performance.now() - t0;

// Feed the held-back bars directly (no replay timer) and time each.
const csv = await config.resolved.sources[0].plugin.create(config.resolved.sources[0].options, { log: quiet, fetch, now: Date.now, signal: new AbortController().signal });
const bars = [];
await new Promise((resolve) => {
  void csv.subscribe({ onBatch: (b) => { bars.push(...b.candles); if (bars.length === N) resolve(); } });
});
await csv.close();

const live = [];
const floor = [];
for (const bar of bars) {
  await sc.store.upsertCandles([bar]);
  let t = performance.now();
  await sc.pipeline.onBar(bar);
  live.push(performance.now() - t);
  const preds = await sc.store.latestPredictions({ asset: 'BTCUSDT' });
  t = performance.now();
  await sc.store.putPredictions(preds.map((p) => ({ ...p, modelVersion: `${p.modelVersion}-ref` })));
  floor.push(performance.now() - t);
}
await sc.close();

const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const fmt = (x) => x.toFixed(2).padStart(8);
console.log(`startup (backfill ${68_869 - N} bars, migrate, features, fit): ${(startupMs / 1000).toFixed(2)} s`);
console.log(`                       p50 ms   p99 ms   (n=${N})`);
console.log(`bar -> predictions   ${fmt(pct(live, 0.5))} ${fmt(pct(live, 0.99))}`);
console.log(`reference: store put ${fmt(pct(floor, 0.5))} ${fmt(pct(floor, 0.99))}`);
console.log(`ratio (p50 live / p50 reference): ${(pct(live, 0.5) / pct(floor, 0.5)).toFixed(1)}x`);
