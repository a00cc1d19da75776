import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import app, { latestKey } from '../src/index';

const prediction = (horizon: '1h' | '4h' | '24h', issuedAt = 1_751_328_000_000) => ({
  asset: 'BTCUSDT', horizon, issuedAt, targetTime: issuedAt + { '1h': 3_600_000, '4h': 14_400_000, '24h': 86_400_000 }[horizon],
  lastPrice: 107_135.34, point: 107_140.1, quantiles: { p05: 105_900, p25: 106_700, p50: 107_140, p75: 107_600, p95: 108_400 },
  pUp: 0.53, confidence: 0.53, conservative: true, modelVersion: 'ewma-band@refit-1751328000000', metadata: {},
});

describe('@satcast/core inside workerd', () => {
  it('imports and validates predictions with the same schemas as the backend', async () => {
    const core = await import('@satcast/core');
    expect((globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent).toBe('Cloudflare-Workers');
    expect(core.PredictionSchema.parse(prediction('1h')).horizon).toBe('1h');
    const crossing = { ...prediction('1h'), quantiles: { p05: 2, p25: 1, p50: 3, p75: 4, p95: 5 } };
    expect(core.PredictionSchema.safeParse(crossing).success).toBe(false);
    expect(core.HORIZONS).toEqual(['1h', '4h', '24h']);
    // WebCrypto-based audit hashing from core runs here too.
    expect(await core.auditEntryHash(core.AUDIT_GENESIS_HASH, { at: 1, actor: 'a', action: 'b' })).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('edge routes', () => {
  it('serves predictions from KV with an ETag', async () => {
    for (const h of ['1h', '4h', '24h'] as const) await env.PREDICTIONS.put(latestKey(h), JSON.stringify(prediction(h)));
    const res = await app.request('/api/v1/predictions?horizon=4h', {}, env);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-satcast-source')).toBe('edge-kv');
    expect(res.headers.get('etag')).toBe('"1751328000000-1"');
    const body = (await res.json()) as { predictions: { horizon: string }[] };
    expect(body.predictions.map((p) => p.horizon)).toEqual(['4h']);
  });

  it('answers a bad horizon with 400 problem+json naming the parameter', async () => {
    const res = await app.request('/api/v1/predictions?horizon=7d', {}, env);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(((await res.json()) as { errors: { field: string }[] }).errors[0]!.field).toBe('horizon');
  });

  it('returns 503 problem+json when KV is empty and the origin is unreachable', async () => {
    for (const h of ['1h', '4h', '24h'] as const) await env.PREDICTIONS.delete(latestKey(h));
    const res = await app.request('/api/v1/predictions', {}, { ...env, ORIGIN_URL: 'http://127.0.0.1:9' });
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });

  it('health reports that core loaded', async () => {
    const res = await app.request('/api/v1/health', {}, env);
    expect(((await res.json()) as { coreLoaded: boolean; runtime: string })).toMatchObject({ coreLoaded: true, runtime: 'workerd' });
  });
});
