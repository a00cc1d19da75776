import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR, PredictionSchema, type Prediction } from '@satcast/core';
import { loadBtcHourly } from '@satcast/data';
import { startSatcast, type Satcast } from '../src/runner.js';
import { quietLog, tempDir, testConfig, writeCandlesCsv } from './helpers.js';

const from = Date.UTC(2024, 0, 1);
const to = Date.UTC(2024, 3, 1);

describe('REST API v1: history, on-demand predictions, OpenAPI', () => {
  let sc: Satcast;
  const hold = 5;
  beforeAll(async () => {
    const dir = tempDir();
    const csv = writeCandlesCsv(dir, from, to);
    sc = await startSatcast(
      testConfig(dir, csv, { sources: [{ plugin: 'csv', options: { path: csv, replay: { holdBackBars: hold, barsPerSecond: 500 } } }] }),
      { log: quietLog },
    );
    const total = loadBtcHourly({ from, to }).length;
    for (let i = 0; i < 500 && sc.pipeline.status.bars < total; i++) await new Promise((r) => setTimeout(r, 10));
  }, 60_000);
  afterAll(() => sc?.close());

  const post = (body: unknown) =>
    fetch(`${sc.url}/api/v1/predictions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('pages through history with a cursor, without gaps or repeats', async () => {
    const seen: Prediction[] = [];
    let cursor: string | undefined;
    do {
      const q = new URLSearchParams({ horizon: '1h', from: '2024-03-31', limit: '2', ...(cursor ? { cursor } : {}) });
      const body = (await (await fetch(`${sc.url}/api/v1/predictions?${q}`)).json()) as { predictions: Prediction[]; nextCursor?: string };
      seen.push(...body.predictions);
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen.length).toBe(hold + 1);
    const issued = seen.map((p) => p.issuedAt);
    expect(new Set(issued).size).toBe(issued.length);
    expect([...issued].sort((a, b) => a - b)).toEqual(issued);
    expect(issued.at(-1)! - issued[0]!).toBe(hold * HOUR);
  });

  it('an on-demand prediction as of the start equals the live prediction issued then (same fit, same warmed serving layer)', async () => {
    // The first prediction was issued at start; later live ones also carry the serving layer's adaptation since start.
    const live = (await sc.store.listPredictions({ asset: 'BTCUSDT', model: 'ewma-band', horizon: '4h', order: 'asc', limit: 1 })).items[0]!;
    const res = await post({ horizon: '4h', asOf: new Date(live.issuedAt).toISOString() });
    expect(res.status).toBe(200);
    const { prediction } = (await res.json()) as { prediction: Prediction };
    expect(PredictionSchema.parse(prediction).issuedAt).toBe(live.issuedAt);
    expect(prediction.quantiles).toEqual(live.quantiles);
    expect(prediction.pUp).toBe(live.pUp);
    expect(prediction.metadata.onDemand).toBe(true);
  });

  it('uses only data public at asOf: a time inside a bar answers as of the previous close', async () => {
    const bars = loadBtcHourly({ from, to });
    const t = bars[1000]!.openTime + HOUR; // close of bar 1000
    const a = (await (await post({ horizon: '1h', asOf: t + 59 * 60_000 })).json()) as { prediction: Prediction };
    const b = (await (await post({ horizon: '1h', asOf: t })).json()) as { prediction: Prediction };
    expect(a.prediction.issuedAt).toBe(t);
    expect(a.prediction.quantiles).toEqual(b.prediction.quantiles);
    expect(a.prediction.lastPrice).toBe(bars[1000]!.close);
  });

  it('400 problem+json for an as-of time without data and for malformed bodies, naming the field', async () => {
    const early = await post({ horizon: '1h', asOf: '2019-01-01' });
    expect(early.status).toBe(400);
    expect(((await early.json()) as { errors: { field: string }[] }).errors[0]!.field).toBe('asOf');
    const bad = await post({ horizon: '2h', asOf: 'yesterday' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    const fields = ((await bad.json()) as { errors: { field: string }[] }).errors.map((e) => e.field).sort();
    expect(fields).toEqual(['asOf', 'horizon']);
    const notJson = await fetch(`${sc.url}/api/v1/predictions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"horizon":' });
    expect(notJson.status).toBe(400);
  });

  it('exports Prometheus metrics in valid text format with the documented names', async () => {
    const res = await fetch(`${sc.url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const samples = new Map<string, number>();
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (-?[0-9.eE+-]+|NaN|[+-]Inf)$/.exec(line);
      expect(m, `not a Prometheus sample line: ${line}`).not.toBeNull();
      samples.set(`${m![1]}${m![2] ?? ''}`, Number(m![3]));
    }
    const names = new Set([...samples.keys()].map((k) => k.split('{')[0]));
    for (const n of ['satcast_http_request_duration_seconds_bucket', 'satcast_prediction_duration_seconds_count', 'satcast_prediction_confidence_count', 'satcast_predictions_total', 'satcast_live_coverage90', 'satcast_live_mae_skill_vs_persistence', 'satcast_source_lag_seconds', 'satcast_quarantine_rows', 'process_cpu_user_seconds_total']) {
      expect(names.has(n), n).toBe(true);
    }
    // One served prediction per horizon per round: bootstrap + 5 replayed bars.
    expect(samples.get('satcast_prediction_confidence_count{horizon="1h"}')).toBe(hold + 1);
    expect(samples.get('satcast_live_scored{model="ewma-band",horizon="1h"}')).toBe(hold);
    const cov = samples.get('satcast_live_coverage90{model="ewma-band",horizon="1h"}')!;
    expect(cov).toBeGreaterThanOrEqual(0);
    expect(cov).toBeLessThanOrEqual(1);
  });

  it('publishes an OpenAPI 3.1 document and serves Swagger UI locally', async () => {
    const doc = (await (await fetch(`${sc.url}/openapi.json`)).json()) as { openapi: string; paths: Record<string, object> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(['/api/v1/alerting', '/api/v1/alerts', '/api/v1/alerts/{id}', '/api/v1/alerts/{id}/deliveries', '/api/v1/health', '/api/v1/models/performance', '/api/v1/predictions', '/api/v1/scores', '/metrics']);
    expect(Object.keys(doc.paths['/api/v1/predictions']!).sort()).toEqual(['get', 'post']);
    const html = await (await fetch(`${sc.url}/docs`)).text();
    expect(html).toContain('/docs/assets/swagger-ui-bundle.js');
    expect(html).not.toMatch(/https?:\/\/(cdn|unpkg)/);
    const js = await fetch(`${sc.url}/docs/assets/swagger-ui-bundle.js`);
    expect(js.status).toBe(200);
    expect((await js.text()).length).toBeGreaterThan(100_000);
  });
});
