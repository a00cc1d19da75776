/**
 * Backend (Node) produces predictions → signed push → edge worker in local workerd → a WebSocket client
 * connected to the edge receives them, and a REST client reads them. Everything runs on 127.0.0.1.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { unstable_dev, type Unstable_DevWorker } from 'wrangler';
import { resolveConfig, PredictionSchema } from '@satcast/core';
import { builtinRegistry, startSatcast, type Satcast } from '@satcast/backend';
import { loadBtcHourly } from '@satcast/data';

const JWT_SECRET = 'e2e-only-jwt-secret-0123456789abcdef';
const SYNC_SECRET = 'e2e-only-sync-secret-0123456789';
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

let edge: Unstable_DevWorker;
let backend: Satcast | undefined;
let edgeUrl: string;

async function jwt() {
  return new SignJWT({ role: 'viewer' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('e2e-client')
    .setIssuer('https://auth.satcast.local')
    .setAudience('satcast-api')
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(JWT_SECRET));
}

beforeAll(async () => {
  edge = await unstable_dev('src/index.ts', {
    config: 'wrangler.toml',
    vars: { JWT_SECRET, SYNC_KEYS: JSON.stringify({ k1: SYNC_SECRET }), ORIGIN_URL: 'http://127.0.0.1:9', HUB_SHARDS: '2' },
    ip: '127.0.0.1',
    persist: false,
    logLevel: 'error',
    experimental: { disableExperimentalWarning: true },
  } as Parameters<typeof unstable_dev>[1]);
  edgeUrl = `http://${edge.address}:${edge.port}`;
});

afterAll(async () => {
  await backend?.close();
  await edge?.stop();
});

describe('backend → edge', () => {
  it('a WebSocket client at the edge receives the backend predictions, and REST serves them', async () => {
    const token = await jwt();
    const ws = new WebSocket(`${edgeUrl.replace('http', 'ws')}/stream/predictions?timeframes=1h,24h`, { headers: { authorization: `Bearer ${token}` } });
    const messages: { type: string; timeframe?: string; timestamp?: string; metadata?: unknown }[] = [];
    ws.on('message', (d) => messages.push(JSON.parse(String(d))));
    await new Promise<void>((resolve, reject) => (ws.once('open', () => resolve()), ws.once('error', reject)));

    // A short slice of real history, the last 3 bars replayed live.
    const dir = mkdtempSync(join(tmpdir(), 'satcast-e2e-'));
    const bars = loadBtcHourly({ from: Date.UTC(2024, 0, 1), to: Date.UTC(2024, 2, 1) });
    const csv = join(dir, 'c.csv.gz');
    writeFileSync(csv, gzipSync(`ts,open,high,low,close,volume\n${bars.map((b) => `${b.openTime},${b.open},${b.high},${b.low},${b.close},${b.volume}`).join('\n')}\n`));
    process.env.SATCAST_EDGE_SYNC_SECRET = SYNC_SECRET;
    const config = resolveConfig(
      {
        store: { url: `file:${join(dir, 'e2e.db')}` },
        sources: [{ plugin: 'csv', options: { path: csv, replay: { holdBackBars: 3, barsPerSecond: 5 } } }],
        features: [{ plugin: 'ta' }],
        models: [{ plugin: 'persistence' }, { plugin: 'ewma-band' }],
        servedModel: 'ewma-band',
        edge: { url: edgeUrl, keyId: 'k1' },
        server: { port: 0 },
      },
      builtinRegistry(),
    );
    backend = await startSatcast(config, { log: quiet });

    const lastIssued = bars.at(-1)!.openTime + 3_600_000;
    const deadline = Date.now() + 60_000;
    while (!messages.some((m) => m.type === 'prediction' && m.timestamp === new Date(lastIssued).toISOString())) {
      if (Date.now() > deadline) throw new Error(`no prediction for the last bar; got ${messages.length} messages`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const preds = messages.filter((m) => m.type === 'prediction');
    expect(new Set(preds.map((m) => m.timeframe))).toEqual(new Set(['1h', '24h']));
    for (const m of preds) expect(PredictionSchema.safeParse(m.metadata).success).toBe(true);
    ws.close();

    const res = await fetch(`${edgeUrl}/api/v1/predictions`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-satcast-source')).toBe('edge-kv');
    const body = (await res.json()) as { predictions: { horizon: string; issuedAt: number }[] };
    expect(body.predictions.map((p) => p.horizon)).toEqual(['1h', '4h', '24h']);
    const served = await backend.store.latestPredictions({ asset: 'BTCUSDT', model: 'ewma-band' });
    expect(body.predictions.map((p) => p.issuedAt)).toEqual(served.map(() => lastIssued));
  });
});
