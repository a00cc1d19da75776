/**
 * Model registry wiring: (a) 2022 replayed bar by bar through the live loop (pipeline.onBar, then the
 * learner's afterBar) with a fast clock — scheduled and trigger-driven retrains in a worker thread,
 * shadow-scored challengers judged by the gate, promotions, and an automatic rollback of a deliberately
 * degraded model; a prediction for every bar. (b) `satcast models` list/show/promote/rollback round trip
 * on a registry filled by `satcast train`.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCache } from '@satcast/adapter-cache-memory';
import { createBus } from '@satcast/adapter-bus-memory';
import { createStore } from '@satcast/adapter-store-libsql';
import { createPluginContext, resolveConfig, type Candle } from '@satcast/core';
import { loadBtcHourly } from '@satcast/data';
import { huber } from '@satcast/plugin-linear';
import type { Decision } from '@satcast/registry';
import { loadHistory } from '../src/backtest/history.js';
import { ingestBatch } from '../src/pipeline/ingest.js';
import { Pipeline } from '../src/pipeline/runtime.js';
import { BUILTIN_PLUGINS, builtinRegistry } from '../src/plugins.js';
import { ContinuousLearning } from '../src/registry/continuous.js';
import { openRegistry, registryChampionSource } from '../src/registry/open.js';
import { trainModels } from '../src/train/train.js';
import { runModels } from '../src/commands/models.js';
import { quietLog, tempDir, writeCandlesCsv } from './helpers.js';

const HOUR = 3_600_000;
/**
 * The live loop costs ~40-65 ms per bar on the shared 2-core machine (pipeline: features, persistence
 * refit, store writes; learner: outcomes, shadow forecast, checks), so the default run replays the first
 * 50 days of 2022 hour by hour (1,200 bars, ~75 s); SATCAST_SIM_FULL=1 replays all of 2022 (8,760 bars,
 * ~9.5 min under load).
 */
const FULL = process.env.SATCAST_SIM_FULL === '1';
const START = Date.UTC(2022, 0, 1);
const END = FULL ? Date.UTC(2023, 0, 1) : Date.UTC(2022, 1, 20);
const INJECT_AT = FULL ? Date.UTC(2022, 9, 20) : Date.UTC(2022, 1, 6);
/** Rollback: evaluated every bar after 100 live outcomes of the champion; the test allows 150 bars. */
const ROLLBACK_WINDOW_BARS = 150;

function simConfig(dir: string, csv: string) {
  return resolveConfig(
    {
      store: { url: `file:${join(dir, 'store.db')}` },
      sources: [{ plugin: 'csv', options: { path: csv, replay: { holdBackBars: 0 } } }],
      // The families huber's inputs come from (the full ta set is 120+ columns, ~3x slower per bar).
      features: [{ plugin: 'ta', options: { families: ['returns', 'volatility', 'momentum'] } }],
      models: [{ plugin: 'persistence' }, { plugin: 'huber' }],
      servedModel: 'persistence',
      horizons: ['1h'],
      server: { port: 0 },
    },
    // huber is built in once plugins.ts registers plugins/linear; before that, add it here.
    builtinRegistry(BUILTIN_PLUGINS.some((p) => p.name === 'huber') ? [] : [huber as never]),
  );
}

function summarize(decisions: Decision[]) {
  const count = (f: (d: Decision) => boolean) => decisions.filter(f).length;
  const started = decisions.filter((d) => d.action === 'retrain' && d.numbers.outcome === 'started');
  const byTrigger: Record<string, number> = {};
  for (const d of started) for (const t of d.numbers.fired as string[]) byTrigger[t] = (byTrigger[t] ?? 0) + 1;
  return {
    retrainsStarted: started.length,
    retrainsByTrigger: byTrigger,
    retrainsDeferred: count((d) => d.action === 'retrain' && d.reason.startsWith('failed: deferred')),
    retrainsFailedOther: count((d) => d.action === 'retrain' && d.numbers.outcome === 'failed' && !d.reason.startsWith('failed: deferred')),
    retrainsSkippedCooldown: count((d) => d.action === 'retrain' && d.numbers.outcome === 'skipped'),
    challengersRegistered: count((d) => d.action === 'set-alias' && d.alias === 'challenger'),
    gateKept: count((d) => d.action === 'gate'),
    challengersArchived: count((d) => d.action === 'archive'),
    promotions: count((d) => d.action === 'promote'),
    rollbacks: count((d) => d.action === 'rollback'),
  };
}

describe('continuous learning over 2022', () => {
  it('retrains on schedule and on triggers, promotes, rolls back a degraded model, never stops predicting', async () => {
    const dir = tempDir();
    const csv = writeCandlesCsv(dir, START - 120 * 24 * HOUR, START);
    const config = simConfig(dir, csv);
    const history = await loadHistory(config, quietLog);
    const store = await createStore({ url: config.store.url });
    let now = START;
    const { registry, close } = await openRegistry({ url: config.store.url, artifactsDir: join(dir, 'artifacts'), now: () => now });
    const learning: { l?: ContinuousLearning } = {};
    try {
      // v1: `satcast train` on the 30 days before the replay becomes the first champion.
      const [v1] = await trainModels(config, store, history, { artifactsDir: join(dir, 'artifacts'), models: ['huber'], trainRows: 720, registry, log: quietLog, now });
      expect(v1!.registered).toMatchObject({ version: 'huber@BTCUSDT-1h-v1', stage: 'champion' });
      const src = config.resolved.sources[0]!;
      await ingestBatch(store, 'csv', await (await src.plugin.create(src.options, createPluginContext({}))).fetchRange({ from: 0, to: START }), START);

      const issued: number[] = [];
      const servedVersions = new Set<string>();
      const pipeline = new Pipeline({
        config, store, cache: createCache(), bus: createBus(), log: quietLog,
        champions: registryChampionSource(registry, store, config.asset),
        onPredicted: (ps) => {
          for (const p of ps) if (p.metadata.model === 'huber') (issued.push(p.issuedAt), servedVersions.add(p.modelVersion));
        },
      });
      // The pipeline's cache is private; the learner reads the same one.
      const cache = (pipeline as unknown as { deps: { cache: import('@satcast/core').Cache } }).deps.cache;
      await pipeline.init();
      const l = (learning.l = new ContinuousLearning(
        { config, store, registry, cache, swapModel: (id, h, v, b) => pipeline.swapModel(id, h, v, b), log: quietLog, now: () => now },
        { windowDays: { huber: 30 }, rollback: { minSamples: 100 }, rollbackEveryBars: 6, outcomeLookbackMs: 30 * 24 * HOUR },
      ));
      await l.init(history, START);

      const bars = loadBtcHourly({ from: START, to: END }) as Candle[];
      let injected: { version: string; bar: number } | undefined;
      const t0 = performance.now();
      let tPipe = 0;
      let tLearn = 0;
      for (let i = 0; i < bars.length; i++) {
        const bar = bars[i]!;
        now = bar.openTime + HOUR;
        const ta = performance.now();
        expect(await pipeline.onBar(bar)).toBe(true);
        const tb = performance.now();
        await l.afterBar(bar);
        tPipe += tb - ta;
        tLearn += performance.now() - tb;
        if (!injected && now >= INJECT_AT) {
          // A deliberately degraded model: huber fitted on targets ×8 (a band eight times too wide).
          const m = config.resolved.models.find((x) => x.id === 'huber')!;
          const inputs = m.plugin.inputs(m.options);
          const rows = l.window.rows('1h', inputs, 720);
          const bad = await m.plugin.create(m.options, createPluginContext({}));
          await bad.fit({ horizon: '1h', times: rows.times, features: rows.features, target: rows.target.map((x) => x * 8) });
          const line = { asset: config.asset, horizon: '1h' as const, name: 'huber' };
          const parent = await registry.resolveVersion(line, 'champion');
          const v = await registry.register({ ...line, artifact: bad.serialize(), card: { features: inputs, dataRange: { from: rows.times[0]!, to: now }, params: { degraded: 'targets x8' } }, reason: 'simulation: degraded model', actor: 'sim', ...(parent ? { parent } : {}) });
          await l.apply(await registry.promote(v.version, { reason: 'simulation: force a degraded model live', actor: 'sim', numbers: { forced: true } }));
          injected = { version: v.version, bar: i };
        }
      }
      await l.idle();
      console.log(`replayed ${bars.length} bars in ${((performance.now() - t0) / 1000).toFixed(1)} s (pipeline ${(tPipe / 1000).toFixed(1)} s, learner ${(tLearn / 1000).toFixed(1)} s)`);
      const decisions = await registry.decisions({ asset: config.asset, horizon: '1h', name: 'huber' });
      const summary = summarize(decisions);
      const iso = (t: number) => new Date(t).toISOString().slice(0, 16);
      console.log(decisions.filter((d) => ['promote', 'rollback', 'gate', 'archive'].includes(d.action)).map((d) => `${iso(d.at)} ${d.action} ${d.fromVersion ?? ''} -> ${d.toVersion ?? ''} by ${d.actor}: ${d.reason.slice(0, 140)}`).join('\n'));
      console.log('simulation decision log summary', JSON.stringify({ bars: bars.length, ...summary, stats: { ...l.stats, swaps: l.stats.swaps.length }, servedVersions: servedVersions.size }));

      // A prediction of the trainable model for every replayed bar, retrains or not.
      expect(issued.filter((t) => t >= START + HOUR)).toHaveLength(bars.length);
      expect(new Set(issued).size).toBe(issued.length);
      expect(l.stats.barsWhileRetraining).toBeGreaterThan(0);
      // Scheduled retrains, at least one drift- or volatility-triggered one, challengers judged, a promotion.
      expect(summary.retrainsByTrigger.schedule ?? 0).toBeGreaterThan(2);
      expect((summary.retrainsByTrigger.drift ?? 0) + (summary.retrainsByTrigger.regime ?? 0)).toBeGreaterThan(0);
      expect(summary.challengersRegistered).toBeGreaterThan(2);
      expect(summary.gateKept + summary.challengersArchived + summary.promotions).toBeGreaterThan(2);
      expect(decisions.some((d) => d.action === 'promote' && d.actor === 'gate')).toBe(true);
      // The degraded model was rolled back automatically within the window, restoring the exact previous bytes.
      const rb = decisions.find((d) => d.action === 'rollback' && d.fromVersion === injected!.version);
      expect(rb, 'automatic rollback of the degraded model').toBeDefined();
      expect(rb!.actor).toBe('monitor');
      expect((rb!.at - bars[injected!.bar]!.openTime) / HOUR).toBeLessThanOrEqual(ROLLBACK_WINDOW_BARS);
      expect(servedVersions.has(injected!.version)).toBe(true);
      // Every served huber prediction names the registry version that produced it.
      for (const v of servedVersions) expect(v).toMatch(/^huber@BTCUSDT-1h-v\d+$/);
    } finally {
      await learning.l?.close();
      await close();
      await store.close();
    }
  }, 600_000);
});

describe('satcast models (CLI) on versions registered by satcast train', () => {
  it('list / show / promote (gate, then --force) / rollback round trip', async () => {
    const dir = tempDir();
    const csv = writeCandlesCsv(dir, Date.UTC(2024, 0, 1), Date.UTC(2024, 2, 1));
    const config = simConfig(dir, csv);
    const history = await loadHistory(config, quietLog);
    const store = await createStore({ url: config.store.url });
    const { registry, close } = await openRegistry({ url: config.store.url, actor: 'train' });
    let first: Uint8Array;
    try {
      const [a] = await trainModels(config, store, history, { artifactsDir: join(dir, 'artifacts'), models: ['huber'], registry, log: quietLog, now: Date.UTC(2024, 2, 1) });
      const [b] = await trainModels(config, store, history, { artifactsDir: join(dir, 'artifacts'), models: ['huber'], trainRows: 720, registry, log: quietLog, now: Date.UTC(2024, 2, 2) });
      expect(a!.registered).toEqual({ version: 'huber@BTCUSDT-1h-v1', stage: 'champion' });
      expect(b!.registered).toEqual({ version: 'huber@BTCUSDT-1h-v2', stage: 'challenger', parent: 'huber@BTCUSDT-1h-v1' });
      // The model card travels with the version: features, validation (with pinball, the rollback baseline), code version.
      const card = (await registry.info('huber@BTCUSDT-1h-v2')).card;
      expect(card.features).toContain('ewma_vol');
      expect(card.validation['1h']!.pinball).toBeGreaterThan(0);
      expect(card.params).toMatchObject({ plugin: 'huber', trainRows: 720 });
      first = (await registry.get('huber@BTCUSDT-1h-v1')).serialized.bytes;
    } finally {
      await close();
      await store.close();
    }

    const list = await runModels(config, { command: 'list' });
    expect(list).toMatch(/huber@BTCUSDT-1h-v1\s+champion/);
    expect(list).toMatch(/huber@BTCUSDT-1h-v2\s+challenger\s+onnx .* huber@BTCUSDT-1h-v1$/m);
    const show = await runModels(config, { command: 'show', version: 'huber@BTCUSDT-1h-v2' });
    expect(show).toContain('huber@BTCUSDT-1h-v2  (challenger)');
    expect(show).toMatch(/validation\s+\{"1h":\{.*"pinball"/);
    // No scored outcomes yet: the gate refuses (and logs it); --force overrides, logged as forced.
    await expect(runModels(config, { command: 'promote', version: 'huber@BTCUSDT-1h-v2' })).rejects.toThrow(/promote refused: only 0 paired forecasts/);
    expect(await runModels(config, { command: 'promote', version: 'huber@BTCUSDT-1h-v2', force: true, reason: 'test' })).toMatch(/promoted huber@BTCUSDT-1h-v2 to champion \(was huber@BTCUSDT-1h-v1\)[\s\S]*FORCED/);
    const after = JSON.parse(await runModels(config, { command: 'list', json: true })) as { version: string; stage: string }[];
    expect(Object.fromEntries(after.map((v) => [v.version, v.stage]))).toEqual({ 'huber@BTCUSDT-1h-v1': 'archived', 'huber@BTCUSDT-1h-v2': 'champion' });
    expect(await runModels(config, { command: 'rollback', asset: 'BTCUSDT', horizon: '1h', name: 'huber', reason: 'test rollback' })).toMatch(/rolled back huber@BTCUSDT-1h-v2 → huber@BTCUSDT-1h-v1/);
    expect(await runModels(config, { command: 'list', stage: 'champion' })).toMatch(/huber@BTCUSDT-1h-v1\s+champion/);
    const log = await runModels(config, { command: 'show', version: 'huber@BTCUSDT-1h-v1' });
    expect(log).toMatch(/gate[^\n]*manual promote refused/);
    expect(log).toMatch(/rollback champion: huber@BTCUSDT-1h-v2 → huber@BTCUSDT-1h-v1 by cli: test rollback/);

    // The backend's champion source serves exactly the restored bytes, tagged with the registry version.
    const store2 = await createStore({ url: config.store.url });
    const reg2 = await openRegistry({ url: config.store.url });
    try {
      const served = await registryChampionSource(reg2.registry, store2, 'BTCUSDT')('huber', '1h');
      expect(served?.version).toBe('BTCUSDT-1h-v1');
      expect(Buffer.from(served!.blob.bytes).equals(Buffer.from(first))).toBe(true);
      // `satcast train --promote` installs the new version at once.
      const [c] = await trainModels(config, store2, history, { artifactsDir: join(dir, 'artifacts'), models: ['huber'], trainRows: 500, registry: reg2.registry, promote: true, log: quietLog, now: Date.UTC(2024, 2, 3) });
      expect(c!.registered).toEqual({ version: 'huber@BTCUSDT-1h-v3', stage: 'champion', parent: 'huber@BTCUSDT-1h-v1' });
      expect(await reg2.registry.resolveVersion({ asset: 'BTCUSDT', horizon: '1h', name: 'huber' }, 'champion')).toBe('huber@BTCUSDT-1h-v3');
    } finally {
      await reg2.close();
      await store2.close();
    }
  }, 300_000);
});

describe('the backend serves the registry champion', () => {
  it('predictions carry the registry version; /api/v1/models/performance shows lines, gates and decisions', async () => {
    const { SignJWT } = await import('jose');
    const { startSatcast } = await import('../src/runner.js');
    const secret = 'registry-test-secret-0123456789abcdef';
    const dir = tempDir();
    const config = simConfig(dir, writeCandlesCsv(dir, Date.UTC(2024, 0, 1), Date.UTC(2024, 2, 1)));
    const store = await createStore({ url: config.store.url });
    const reg = await openRegistry({ url: config.store.url });
    try {
      await trainModels(config, store, await loadHistory(config, quietLog), { artifactsDir: join(dir, 'artifacts'), models: ['huber'], registry: reg.registry, log: quietLog });
    } finally {
      await reg.close();
      await store.close();
    }
    process.env.SATCAST_JWT_SECRET = secret;
    const sc = await startSatcast({ ...config, auth: { ...config.auth, issuer: 'https://auth.satcast.local', audience: 'satcast-api' } }, { log: quietLog, live: false });
    try {
      const [p] = await sc.store.latestPredictions({ asset: 'BTCUSDT', model: 'huber' });
      expect(p!.modelVersion).toBe('huber@BTCUSDT-1h-v1');
      const token = await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setSubject('root').setIssuer('https://auth.satcast.local').setAudience('satcast-api').setExpirationTime('5m').sign(new TextEncoder().encode(secret));
      const res = await fetch(`${sc.url}/api/v1/models/performance`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { registry: { lines: { name: string; champion: { version: string; rollbackCheck: { rollback: boolean } }; traffic: { kind: string }; decisions: { action: string }[] }[]; learning: { line: string; champion: string }[] } };
      const line = body.registry.lines[0]!;
      expect(line).toMatchObject({ name: 'huber', champion: { version: 'huber@BTCUSDT-1h-v1', rollbackCheck: { rollback: false } }, traffic: { kind: 'champion' } });
      expect(line.decisions.map((d) => d.action)).toEqual(expect.arrayContaining(['register', 'promote']));
      expect(body.registry.learning).toEqual([expect.objectContaining({ line: 'huber/BTCUSDT/1h', champion: 'huber@BTCUSDT-1h-v1' })]);
    } finally {
      await sc.close();
    }
  }, 300_000);
});
