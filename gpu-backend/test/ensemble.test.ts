/**
 * Ensembles end to end: stacking, hourly dynamic weighting and the equal mean run as backtest rows beside
 * their members, inside the whole-pipeline look-ahead guard (the stacker refits only on out-of-fold rows
 * whose outcomes were public, the weights move only on public outcomes, the isolation-forest shock score is
 * causal); live, the served ensemble's weights are in prediction metadata.
 */
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { DAY, HOUR, resolveConfig, type SatcastConfigInput } from '@satcast/core';
import { loadBtcHourly } from '@satcast/data';
import { builtinRegistry } from '../src/plugins.js';
import { runBacktest } from '../src/backtest/run.js';
import { SERVED, type HorizonResult } from '../src/backtest/walk-forward.js';
import { startSatcast } from '../src/runner.js';
import { issuedBy, quietLog, tempDir, writeCsv } from './helpers.js';

const registry = builtinRegistry();
const FROM = Date.UTC(2023, 11, 1);
const TO = Date.UTC(2024, 1, 1);
const CUT = Date.UTC(2024, 0, 10, 13);


const ensembleConfig = (csv: string, extra: Partial<SatcastConfigInput> = {}) =>
  resolveConfig(
    {
      sources: [{ plugin: 'csv', options: { path: csv } }],
      features: [{ plugin: 'ta' }, { plugin: 'shock', options: { window: 1000 } }],
      // ridge-sfs selects its inputs inside every fit (forward selection on purged CV of its training rows).
      models: [{ plugin: 'persistence' }, { plugin: 'ewma-band' }, { plugin: 'huber' }, { plugin: 'har' }, { plugin: 'ridge-sfs' }],
      ensembles: [
        { id: 'stack', method: 'stack', members: ['ewma-band', 'huber', 'har', 'ridge-sfs'], shock: { robust: 'huber' }, options: { refitEveryMs: 3 * DAY, minRows: 100 } },
        { id: 'dynamic', method: 'dynamic', members: ['ewma-band', 'huber', 'har'] },
        { id: 'equal', method: 'equal', members: ['ewma-band', 'huber', 'har'] },
      ],
      servedModel: 'stack',
      server: { port: 0 },
      ...extra,
    },
    registry,
  );


describe('ensembles', () => {
  const dir = tempDir();
  const base = loadBtcHourly({ from: Date.UTC(2023, 5, 1), to: TO + 2 * DAY });
  const csv = writeCsv(dir, 'base.csv.gz', base);
  const run = (path: string) => runBacktest(ensembleConfig(path), registry, { from: FROM, to: TO, horizons: ['1h', '24h'], refitDays: 7, warmupDays: 30, log: quietLog });

  it('look-ahead: stack, dynamic and equal (and the shock score, and forward selection) issued at or before T ignore every bar after T', async () => {
    let k = 0;
    const distorted = base.map((c) => {
      if (c.openTime + HOUR <= CUT) return c;
      const f = 1.4 + 0.2 * Math.sin(k++);
      const o = c.open * f, cl = c.close * f * 1.01;
      return { ...c, open: o, close: cl, high: Math.max(o, cl, c.high * f * 1.02), low: Math.min(o, cl, c.low * f * 0.97), volume: c.volume * 3 };
    });
    const a = await run(csv);
    const b = await run(writeCsv(dir, 'distorted.csv.gz', distorted));
    const before = issuedBy(a.results, CUT);
    expect(issuedBy(b.results, CUT)).toEqual(before);
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['1h:stack', '1h:dynamic', '1h:equal', '24h:stack', '24h:har', '24h:ridge-sfs', '1h:satcast']));
    for (const rows of Object.values(before)) expect(rows.length).toBeGreaterThan(200);
    // Control: the distortion changes the ensembles after T (the guard can fail).
    const after = (res: HorizonResult[], id: string) => res[0]!.byModel[id]!.point.filter((_, i) => res[0]!.issuedAt[i]! > CUT + DAY);
    for (const id of ['stack', 'dynamic']) expect(after(b.results, id)).not.toEqual(after(a.results, id));

    // Every ensemble is a scored row beside its members and persistence; the served one is the stack.
    for (const h of ['1h', '24h']) {
      const m = a.metrics[h]!;
      for (const id of ['persistence', 'ewma-band', 'huber', 'har', 'stack', 'dynamic', 'equal', SERVED]) expect(m[id], `${h} ${id}`).toBeDefined();
      expect(m.stack!.n).toBe(m.persistence!.n);
      for (const id of ['stack', 'dynamic', 'equal']) {
        expect(m[id]!.hitRate).toBeLessThan(0.6);
        expect(m[id]!.coverage90).toBeGreaterThan(0.75);
      }
    }
    expect(a.meta.served).toMatchObject({ model: 'stack' });
  }, 600_000);

  it('serves a dynamic ensemble live: weights and method in metadata and in the performance view', async () => {
    const d = tempDir();
    const path = writeCsv(d, 'c.csv.gz', loadBtcHourly({ from: Date.UTC(2023, 5, 1), to: Date.UTC(2024, 1, 1) }));
    const config = ensembleConfig(path, {
      store: { url: `file:${join(d, 'store.db')}` },
      sources: [{ plugin: 'csv', options: { path, replay: { holdBackBars: 0 } } }],
      servedModel: 'dynamic',
    });
    const secret = 'ensemble-test-jwt-secret-0123456789abcdef';
    process.env.SATCAST_JWT_SECRET = secret;
    const sc = await startSatcast(config, { log: quietLog, live: false, listen: false });
    try {
      const latest = await sc.store.latestPredictions({ asset: 'BTCUSDT', model: 'dynamic' });
      expect(latest).toHaveLength(3);
      for (const p of latest) {
        expect(p.metadata).toMatchObject({ model: 'dynamic', method: 'dynamic' });
        const w = p.metadata.weights as Record<string, number>;
        expect(Object.keys(w).sort()).toEqual(['ewma-band', 'har', 'huber']);
        expect(Object.values(w).reduce((s, x) => s + x, 0)).toBeCloseTo(1, 6);
        // Warmed on 90 days of outcomes: the weights have left equal.
        expect(Math.max(...Object.values(w)) - Math.min(...Object.values(w))).toBeGreaterThan(0.01);
        expect(p.metadata).toHaveProperty('bandScale');
      }
      const stack = await sc.store.latestPredictions({ asset: 'BTCUSDT', model: 'stack' });
      expect(stack).toHaveLength(3);
      expect(stack[0]!.metadata).toMatchObject({ method: 'stack' });
      const view = sc.pipeline.ensembleWeights();
      expect(view.map((e) => e.id)).toEqual(['stack', 'dynamic', 'equal']);
      expect(Object.keys(view[1]!.weights)).toEqual(['1h', '4h', '24h']);
      // The admin performance view: ensemble weights per horizon, and live scores of the ensembles beside the models.
      const admin = await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setSubject('root').setIssuer('https://auth.satcast.local').setAudience('satcast-api').setExpirationTime('10m').sign(new TextEncoder().encode(secret));
      const res = await sc.app.request('/api/v1/models/performance', { headers: { authorization: `Bearer ${admin}` } });
      expect(res.status).toBe(200);
      const perf = (await res.json()) as { ensembles: { id: string; method: string; weights: Record<string, Record<string, number>> }[]; scores: unknown };
      expect(perf.ensembles.map((e) => [e.id, e.method])).toEqual([['stack', 'stack'], ['dynamic', 'dynamic'], ['equal', 'equal']]);
      expect(perf.ensembles[1]!.weights['24h']).toEqual(view[1]!.weights['24h']);
      expect(JSON.stringify(perf.scores)).toContain('"dynamic"');
    } finally {
      delete process.env.SATCAST_JWT_SECRET;
      await sc.close();
    }
  }, 600_000);

  it('refuses an ensemble whose shock feature is not produced, naming the field', async () => {
    const d = tempDir();
    const path = writeCsv(d, 'c.csv.gz', loadBtcHourly({ from: Date.UTC(2024, 0, 1), to: Date.UTC(2024, 1, 1) }));
    const config = ensembleConfig(path, { store: { url: `file:${join(d, 'store.db')}` }, features: [{ plugin: 'ta' }] });
    await expect(startSatcast(config, { log: quietLog, live: false, listen: false })).rejects.toThrow(/ensemble "stack" reads shock feature "iforest_score".*add \{ plugin: "shock" \}/);
  }, 120_000);
});
