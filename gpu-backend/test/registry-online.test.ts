/**
 * The two live-traffic parts of the registry wiring: (a) canary per caller on GET /api/v1/predictions —
 * 1,000 JWT subjects, the challenger's share, stickiness, and the version each caller is served; (b) online
 * updates — a short replay where a copy of the huber champion takes a mini-batch of the newest 100 scored
 * rows after 100 new outcomes and enters as challenger (logged with its loss before/after), the champion's
 * bytes and the served version untouched.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCache } from '@satcast/adapter-cache-memory';
import { createBus } from '@satcast/adapter-bus-memory';
import { createStore } from '@satcast/adapter-store-libsql';
import { createPluginContext, resolveConfig, type Candle } from '@satcast/core';
import { loadBtcHourly } from '@satcast/data';
import { huber } from '@satcast/plugin-linear';
import { route } from '@satcast/registry';
import { loadHistory } from '../src/backtest/history.js';
import { ingestBatch } from '../src/pipeline/ingest.js';
import { Pipeline } from '../src/pipeline/runtime.js';
import { BUILTIN_PLUGINS, builtinRegistry } from '../src/plugins.js';
import { ContinuousLearning } from '../src/registry/continuous.js';
import { openRegistry, registryChampionSource } from '../src/registry/open.js';
import { trainModels } from '../src/train/train.js';
import { quietLog, tempDir, writeCandlesCsv } from './helpers.js';

const HOUR = 3_600_000;

function config(dir: string, csv: string, servedModel: string) {
  return resolveConfig(
    {
      store: { url: `file:${join(dir, 'store.db')}` },
      sources: [{ plugin: 'csv', options: { path: csv, replay: { holdBackBars: 0 } } }],
      features: [{ plugin: 'ta', options: { families: ['returns', 'volatility', 'momentum'] } }],
      models: [{ plugin: 'persistence' }, { plugin: 'huber' }],
      servedModel,
      horizons: ['1h'],
      server: { port: 0 },
      auth: { issuer: 'https://auth.satcast.local', audience: 'satcast-api' },
    },
    builtinRegistry(BUILTIN_PLUGINS.some((p) => p.name === 'huber') ? [] : [huber as never]),
  );
}

describe('canary per caller on GET /api/v1/predictions', () => {
  it('serves the challenger to 10% ± 3% of 1,000 callers, sticky, each told which version served it', async () => {
    const { SignJWT } = await import('jose');
    const { startSatcast } = await import('../src/runner.js');
    const secret = 'canary-test-secret-0123456789abcdef';
    const dir = tempDir();
    const cfg = config(dir, writeCandlesCsv(dir, Date.UTC(2024, 0, 1), Date.UTC(2024, 2, 1)), 'huber');
    const store = await createStore({ url: cfg.store.url });
    const reg = await openRegistry({ url: cfg.store.url });
    try {
      const history = await loadHistory(cfg, quietLog);
      await trainModels(cfg, store, history, { artifactsDir: join(dir, 'artifacts'), models: ['huber'], registry: reg.registry, log: quietLog, now: Date.UTC(2024, 2, 1) });
      const [b] = await trainModels(cfg, store, history, { artifactsDir: join(dir, 'artifacts'), models: ['huber'], trainRows: 720, registry: reg.registry, log: quietLog, now: Date.UTC(2024, 2, 1, 1) });
      expect(b!.registered).toMatchObject({ version: 'huber@BTCUSDT-1h-v2', stage: 'challenger' });
    } finally {
      await reg.close();
      await store.close();
    }
    process.env.SATCAST_JWT_SECRET = secret;
    const sc = await startSatcast(cfg, { log: quietLog, live: false, listen: false, registry: { traffic: { kind: 'canary' } } });
    try {
      const key = new TextEncoder().encode(secret);
      const tokens = await Promise.all(
        Array.from({ length: 1000 }, (_, i) =>
          new SignJWT({ role: 'viewer' }).setProtectedHeader({ alg: 'HS256' }).setSubject(`user-${i}`).setIssuer('https://auth.satcast.local').setAudience('satcast-api').setExpirationTime('10m').sign(key),
        ),
      );
      type Body = { predictions: { modelVersion: string; horizon: string }[]; routes: { horizon: string; version: string; arm: string; policy: string }[] };
      const get = async (token: string) => {
        const res = await sc.app.request('/api/v1/predictions?horizon=1h', { headers: { authorization: `Bearer ${token}` } });
        expect(res.status).toBe(200);
        return (await res.json()) as Body;
      };
      const first: Body[] = [];
      for (const t of tokens) first.push(await get(t));
      const arms = first.map((b) => b.routes[0]!.arm);
      const share = arms.filter((a) => a === 'challenger').length / arms.length;
      console.log(`canary share over 1,000 JWT subjects: ${share}`);
      expect(share).toBeGreaterThanOrEqual(0.07);
      expect(share).toBeLessThanOrEqual(0.13);
      const policy = { kind: 'canary' as const, experimentId: 'huber@BTCUSDT-1h-v2', champion: 'huber@BTCUSDT-1h-v1', challenger: 'huber@BTCUSDT-1h-v2' };
      for (let i = 0; i < first.length; i++) {
        const b = first[i]!;
        // The registry's route() on the caller's principal id decides; the prediction is that version's.
        expect(b.routes[0]).toMatchObject({ horizon: '1h', policy: 'canary', arm: route(policy, `jwt:user-${i}`, 0).arm });
        const version = b.routes[0]!.arm === 'challenger' ? 'huber@BTCUSDT-1h-v2' : 'huber@BTCUSDT-1h-v1';
        expect(b.routes[0]!.version).toBe(version);
        expect(b.predictions.map((p) => p.modelVersion)).toEqual([version]);
      }
      // Sticky: the same caller gets the same version again (memoised bodies never cross arms).
      for (let i = 0; i < tokens.length; i += 7) expect((await get(tokens[i]!)).predictions[0]!.modelVersion).toBe(first[i]!.predictions[0]!.modelVersion);
      // The admin performance view names the policy.
      const admin = await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setSubject('root').setIssuer('https://auth.satcast.local').setAudience('satcast-api').setExpirationTime('10m').sign(key);
      const perf = (await (await sc.app.request('/api/v1/models/performance', { headers: { authorization: `Bearer ${admin}` } })).json()) as { registry: { lines: { traffic: unknown }[] } };
      expect(perf.registry.lines[0]!.traffic).toEqual({ kind: 'canary', champion: 'huber@BTCUSDT-1h-v1', challenger: 'huber@BTCUSDT-1h-v2', share: 0.1 });
    } finally {
      await sc.close();
      delete process.env.SATCAST_JWT_SECRET;
    }
  }, 300_000);
});

describe('online updates', () => {
  it('after 100 new outcomes, a champion copy takes the newest 100 scored rows and enters as challenger', async () => {
    const START = Date.UTC(2022, 0, 1);
    const dir = tempDir();
    const cfg = config(dir, writeCandlesCsv(dir, START - 60 * 24 * HOUR, START), 'persistence');
    const history = await loadHistory(cfg, quietLog);
    const store = await createStore({ url: cfg.store.url });
    let now = START;
    const { registry, close } = await openRegistry({ url: cfg.store.url, artifactsDir: join(dir, 'artifacts'), now: () => now });
    let l: ContinuousLearning | undefined;
    try {
      await trainModels(cfg, store, history, { artifactsDir: join(dir, 'artifacts'), models: ['huber'], trainRows: 720, registry, log: quietLog, now });
      const src = cfg.resolved.sources[0]!;
      await ingestBatch(store, 'csv', await (await src.plugin.create(src.options, createPluginContext({}))).fetchRange({ from: 0, to: START }), START);
      const served = new Set<string>();
      const pipeline = new Pipeline({
        config: cfg, store, cache: createCache(), bus: createBus(), log: quietLog, champions: registryChampionSource(registry, store, cfg.asset),
        onPredicted: (ps) => ps.forEach((p) => p.metadata.model === 'huber' && served.add(p.modelVersion)),
      });
      const cache = (pipeline as unknown as { deps: { cache: import('@satcast/core').Cache } }).deps.cache;
      await pipeline.init();
      l = new ContinuousLearning(
        { config: cfg, store, registry, cache, swapModel: (id, h, v, b) => pipeline.swapModel(id, h, v, b), log: quietLog, now: () => now },
        { windowDays: { huber: 30 }, coverage: false, drift: false, schedule: false, regime: false, online: true },
      );
      await l.init(history, START);
      const line = { asset: cfg.asset, horizon: '1h' as const, name: 'huber' };
      const champBytes = (await registry.get('huber@BTCUSDT-1h-v1')).serialized.bytes;
      for (const bar of loadBtcHourly({ from: START, to: START + 130 * HOUR }) as Candle[]) {
        now = bar.openTime + HOUR;
        expect(await pipeline.onBar(bar)).toBe(true);
        await l.afterBar(bar);
      }
      const online = (await registry.decisions(line)).filter((d) => d.action === 'retrain' && d.numbers.outcome === 'online');
      console.log('online update decisions', JSON.stringify(online.map((d) => ({ at: new Date(d.at).toISOString(), to: d.toVersion, ...d.numbers }))));
      expect(online).toHaveLength(1);
      const d = online[0]!;
      expect(d).toMatchObject({ fromVersion: 'huber@BTCUSDT-1h-v1', toVersion: 'huber@BTCUSDT-1h-v2', actor: 'online', numbers: { rows: 100 } });
      expect(Number.isFinite(d.numbers.lossBefore as number) && Number.isFinite(d.numbers.lossAfter as number)).toBe(true);
      // The first outcome is scored one bar after the first live forecast: 100 outcomes ≈ bar 101.
      expect((d.at - START) / HOUR).toBeGreaterThanOrEqual(100);
      expect((d.at - START) / HOUR).toBeLessThanOrEqual(103);
      // Entered as challenger with the champion as parent, through the gates; the champion is untouched.
      expect(await registry.resolveVersion(line, 'challenger')).toBe('huber@BTCUSDT-1h-v2');
      expect(await registry.resolveVersion(line, 'champion')).toBe('huber@BTCUSDT-1h-v1');
      expect((await registry.info('huber@BTCUSDT-1h-v2')).parent).toBe('huber@BTCUSDT-1h-v1');
      expect((await registry.get('huber@BTCUSDT-1h-v1')).serialized.bytes).toEqual(champBytes);
      expect((await registry.get('huber@BTCUSDT-1h-v2')).serialized.bytes).not.toEqual(champBytes);
      expect([...served]).toEqual(['huber@BTCUSDT-1h-v1']);
      // The challenger is shadow-scored from the next bar on; one experiment at a time, no second update.
      expect(l.stats).toMatchObject({ onlineUpdates: 1 });
      expect(l.stats.shadowPredictions).toBeGreaterThan(20);
    } finally {
      await l?.close();
      await close();
      await store.close();
    }
  }, 300_000);
});
