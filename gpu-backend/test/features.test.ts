/**
 * The feature store and the host's point-in-time join, end to end: a pipeline with an observation-based
 * set (sentiment) on real candles and real Fear & Greed observations in the store; the latest vector in
 * the cache, live vectors in the store, and live (host-joined, incremental) values equal to batch over
 * the same data. Plus the `satcast features list` registry.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { alignInputs, createPluginContext, HOUR, toCandleFrame, type FeatureVector } from '@satcast/core';
import { close } from '@satcast/core/testing';
import { createStore, migrate } from '@satcast/adapter-store-libsql';
import { loadBtcHourly } from '@satcast/data';
import sentiment from '@satcast/plugin-sentiment';
import { startSatcast } from '../src/runner.js';
import { toPrediction } from '../src/pipeline/forecast.js';
import { featuresLatestKey } from '../src/pipeline/features.js';
import { bundledObservations } from './bundled-observations.js';
import { quietLog, tempDir, testConfig, writeCandlesCsv } from './helpers.js';

const from = Date.UTC(2024, 6, 1);
const to = Date.UTC(2024, 10, 1);

async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met before timeout');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('feature store and point-in-time join in the pipeline', () => {
  it('latest vector in the cache, live vectors in the store, live values equal batch over the same data', async () => {
    const dir = tempDir();
    const csv = writeCandlesCsv(dir, from, to);
    const url = `file:${join(dir, 'store.db')}`;
    // Observations arrive through the store (as a source would put them there).
    const fng = bundledObservations(sentiment.inputs);
    await migrate(url);
    const seed = await createStore({ url });
    await seed.upsertObservations(fng);
    await seed.close();

    const hold = 6;
    const config = testConfig(dir, csv, {
      sources: [{ plugin: 'csv', options: { path: csv, replay: { holdBackBars: hold, barsPerSecond: 200 } } }],
      features: [{ plugin: 'ta' }, { plugin: 'time' }, { plugin: 'sentiment' }],
    });
    const sc = await startSatcast(config, { log: quietLog, listen: false });
    try {
      const all = loadBtcHourly({ from, to });
      await until(() => sc.pipeline.status.bars === all.length);
      const latest = await sc.cache.get<FeatureVector>(featuresLatestKey('BTCUSDT'));
      expect(latest?.time).toBe(all.at(-1)!.openTime + HOUR);
      expect(Object.keys(latest!.values)).toEqual(expect.arrayContaining(['ewma_vol', 'hour_sin', 'fng_level', 'fng_age_h']));

      // History: the start-up vector plus one per live bar.
      const history = await sc.store.getFeatureVectors({ asset: 'BTCUSDT' });
      expect(history.map((v) => v.time)).toEqual(all.slice(-hold - 1).map((b) => b.openTime + HOUR));

      // The same set in batch over the same bars and observations, joined by core directly.
      const opts = sentiment.optionsSchema.parse({});
      const fs = await sentiment.create(opts, createPluginContext());
      const frame = toCandleFrame(all);
      const batch = fs.batch(frame, alignInputs(sentiment.inputs, frame, fng));
      history.forEach((v, k) => {
        const i = all.length - hold - 1 + k;
        for (const name of Object.keys(batch)) {
          expect(close(v.values[name] ?? Number.NaN, batch[name]![i]!, 1e-9), `${name} at row ${i}`).toBe(true);
        }
      });
      expect(history.at(-1)!.values.fng_level).not.toBeNull();

      const health = sc.pipeline.featureHealth();
      expect(health.find((h) => h.name === 'fng_level')).toMatchObject({ featureSet: 'sentiment', missingRatio: 0 });
      expect(health.every((h) => h.missingRatio === 0)).toBe(true);
    } finally {
      await sc.close();
    }
  }, 60_000);

  it('an observation set with no observations in the store starts, and reports its features as missing', async () => {
    const dir = tempDir();
    const csv = writeCandlesCsv(dir, from, to);
    const config = testConfig(dir, csv, { features: [{ plugin: 'ta' }, { plugin: 'macro' }] });
    const sc = await startSatcast(config, { log: quietLog, live: false, listen: false });
    try {
      const health = sc.pipeline.featureHealth();
      expect(health.find((h) => h.name === 'mac_vix_level')?.missingRatio).toBe(1);
      expect(health.find((h) => h.name === 'ewma_vol')?.missingRatio).toBe(0);
      const latest = await sc.cache.get<FeatureVector>(featuresLatestKey('BTCUSDT'));
      expect(latest!.values.mac_vix_level).toBeNull();
    } finally {
      await sc.close();
    }
  }, 60_000);
});

describe('feature store on Redis', () => {
  it('the latest vector lands in the Redis cache under features:latest:<asset>', async () => {
    const dir = tempDir();
    const csv = writeCandlesCsv(dir, from, to);
    const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    const config = testConfig(dir, csv, { cache: { adapter: 'redis', url }, features: [{ plugin: 'ta' }, { plugin: 'time' }] });
    const sc = await startSatcast(config, { log: quietLog, live: false, listen: false });
    try {
      const all = loadBtcHourly({ from, to });
      const v = await sc.cache.get<FeatureVector>(featuresLatestKey('BTCUSDT'));
      expect(v?.time).toBe(all.at(-1)!.openTime + HOUR);
      expect(Object.keys(v!.values).length).toBe(sc.pipeline.featureHealth().length);
      // A second reader (another instance) sees the same vector.
      const { createCache } = await import('@satcast/adapter-cache-redis');
      const other = createCache({ url });
      expect(await other.get(featuresLatestKey('BTCUSDT'))).toEqual(v);
      await other.close?.();
    } finally {
      for (const k of await sc.cache.keys()) await sc.cache.delete(k);
      await sc.close();
    }
  }, 60_000);
});

describe('missing inputs never reach a model silently', () => {
  it('a model whose input has no observations at all fails at start, naming the model', async () => {
    const dir = tempDir();
    const csv = writeCandlesCsv(dir, from, to);
    const config = testConfig(dir, csv, {
      features: [{ plugin: 'ta' }, { plugin: 'macro' }],
      models: [{ plugin: 'persistence' }, { plugin: 'ewma-band', options: { driftFeature: 'mac_vix_ret_24' } }],
    });
    // Every training row lacks the drift input, so the host masks every target and the model refuses to fit.
    await expect(startSatcast(config, { log: quietLog, live: false, listen: false })).rejects.toThrow(/ewma-band.*usable training rows/);
  }, 60_000);

  it('a forecast from a row with a missing input is conservative at the last price and names the input', () => {
    const q = { p05: -0.02, p25: -0.01, p50: 0.001, p75: 0.01, p95: 0.02 };
    const p = toPrediction(
      { point: 0.001, quantiles: q, pUp: 0.95 },
      { asset: 'BTCUSDT', horizon: '1h', issuedAt: HOUR, lastPrice: 100, modelId: 'm', modelVersion: 'm@1', confidenceThreshold: 0.85, missingInputs: ['fng_level'] },
    );
    expect(p.conservative).toBe(true);
    expect(p.point).toBe(100);
    expect(p.metadata).toMatchObject({ missingInputs: ['fng_level'], conservativeReason: 'missing inputs: fng_level' });
  });
});

describe('satcast features list', () => {
  const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
  it('--json lists every feature with plugin, inputs, lookback, lag and description', () => {
    const r = spawnSync(process.execPath, [cli, 'features', 'list', '--json'], { encoding: 'utf8', timeout: 60_000, cwd: tempDir() });
    expect(r.status, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as { name: string; plugin: string; active: boolean; inputs: string[]; lookback: number; publicationLagMs: number; description: string }[];
    expect(rows.filter((x) => x.plugin === 'ta').length).toBeGreaterThanOrEqual(100);
    expect(new Set(rows.map((x) => x.plugin))).toEqual(new Set(['ta', 'time', 'sentiment', 'onchain', 'macro', 'shock']));
    expect(new Set(rows.map((x) => x.name)).size).toBe(rows.length);
    expect(rows.find((x) => x.name === 'oc_mvrv')).toMatchObject({ plugin: 'onchain', active: false, inputs: ['coinmetrics:CapMVRVCur'], publicationLagMs: 30 * HOUR });
    expect(rows.find((x) => x.name === 'ewma_vol')).toMatchObject({ plugin: 'ta', active: true, lookback: 1 });
    for (const x of rows) expect(x.description.length, x.name).toBeGreaterThan(5);
  });

  it('prints a table for people', () => {
    const r = spawnSync(process.execPath, [cli, 'features', 'list', '--active'], { encoding: 'utf8', timeout: 60_000, cwd: tempDir() });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^feature\s+plugin/);
    expect(r.stdout).toMatch(/\d+ features from 2 feature plugins \(ta, time\)/);
  });
});
