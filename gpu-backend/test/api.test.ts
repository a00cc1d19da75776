import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PredictionSchema, HOUR } from '@satcast/core';
import { loadBtcHourly } from '@satcast/data';
import { startSatcast, type Satcast } from '../src/runner.js';
import { quietLog, tempDir, testConfig, writeCandlesCsv } from './helpers.js';

const from = Date.UTC(2024, 0, 1);
const to = Date.UTC(2024, 6, 1);

describe('REST API on real candles (2024 H1)', () => {
  let sc: Satcast;
  beforeAll(async () => {
    const dir = tempDir();
    sc = await startSatcast(testConfig(dir, writeCandlesCsv(dir, from, to)), { log: quietLog, live: false });
  }, 60_000);
  afterAll(() => sc?.close());

  it('serves the latest 1h, 4h and 24h predictions, valid against the core schema', async () => {
    const res = await fetch(`${sc.url}/api/v1/predictions`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { asset: string; predictions: unknown[] };
    expect(body.asset).toBe('BTCUSDT');
    const preds = body.predictions.map((p) => PredictionSchema.parse(p));
    expect(preds.map((p) => p.horizon)).toEqual(['1h', '4h', '24h']);
    const last = loadBtcHourly({ from, to }).at(-1)!;
    for (const p of preds) {
      // Computed from the data: issued at the close of the last real bar, anchored on its close.
      expect(p.issuedAt).toBe(last.openTime + HOUR);
      expect(p.lastPrice).toBe(last.close);
      expect(p.quantiles.p05).toBeLessThan(last.close);
      expect(p.quantiles.p95).toBeGreaterThan(last.close);
      expect(p.modelVersion).toMatch(/^ewma-band@/);
      expect(p.confidence).toBeCloseTo(Math.max(p.pUp, 1 - p.pUp), 12);
      expect(p.conservative).toBe(p.confidence < 0.85);
    }
    const width = (i: number) => preds[i]!.quantiles.p95 - preds[i]!.quantiles.p05;
    expect(width(2)).toBeGreaterThan(width(1));
    expect(width(1)).toBeGreaterThan(width(0));
  });

  it('filters by horizon', async () => {
    const body = (await (await fetch(`${sc.url}/api/v1/predictions?horizon=4h`)).json()) as { predictions: { horizon: string }[] };
    expect(body.predictions.map((p) => p.horizon)).toEqual(['4h']);
  });

  it('answers a bad horizon with 400 problem+json naming the parameter', async () => {
    const res = await fetch(`${sc.url}/api/v1/predictions?horizon=2h`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const body = (await res.json()) as { status: number; detail: string; errors: { field: string }[] };
    expect(body.status).toBe(400);
    expect(body.errors[0]!.field).toBe('horizon');
    expect(body.detail).toMatch(/1h, 4h, 24h/);
  });

  it('rejects unknown query parameters by name', async () => {
    const res = await fetch(`${sc.url}/api/v1/predictions?horizn=1h`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/horizn/);
  });

  it('unknown routes are 404 problem+json', async () => {
    const res = await fetch(`${sc.url}/api/v2/nothing`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });

  it('health reports the store, the served model and source freshness', async () => {
    const res = await fetch(`${sc.url}/api/v1/health`);
    expect(res.status).toBe(200);
    const h = (await res.json()) as any;
    expect(h.status).toBe('ok');
    expect(h.components.store.candles).toBe(loadBtcHourly({ from, to }).length);
    expect(h.components.model).toMatchObject({ served: 'ewma-band', loaded: true });
    expect(h.components.sources[0]).toMatchObject({ id: 'csv', errors: 0 });
    expect(h.components.sources[0].lastEventTime).toBe('2024-06-30T23:00:00.000Z');
  });

  it('writes baseline predictions beside the served ones', async () => {
    const persistence = await sc.store.latestPredictions({ asset: 'BTCUSDT', model: 'persistence' });
    expect(persistence).toHaveLength(3);
    for (const p of persistence) expect(p.point).toBe(p.lastPrice);
  });
});
