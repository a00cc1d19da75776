/**
 * The ONNX build as it deploys: wrangler bundles onnxruntime-web and uploads its wasm as a CompiledWasm
 * module (`--define __SATCAST_EDGE_ONNX__:true`), run in local workerd. A signed model push, then an
 * on-demand request; the answer must match onnxruntime-node on the same bytes within 1e-5.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import * as ort from 'onnxruntime-node';
import { unstable_dev, type Unstable_DevWorker } from 'wrangler';
import { signPayload } from '@satcast/core';
import { loadBtcHourly } from '@satcast/data';
import { exportLinearOnnx } from '@satcast/plugin-linear';

const JWT_SECRET = 'e2e-only-jwt-secret-0123456789abcdef';
const SYNC_SECRET = 'e2e-only-sync-secret-0123456789';
let edge: Unstable_DevWorker;
let edgeUrl: string;

beforeAll(async () => {
  edge = await unstable_dev('src/index.ts', {
    config: 'wrangler.toml',
    vars: { JWT_SECRET, SYNC_KEYS: JSON.stringify({ k1: SYNC_SECRET }), ORIGIN_URL: 'http://127.0.0.1:9', EDGE_MODEL: 'onnx' },
    define: ['__SATCAST_EDGE_ONNX__:true'], // the CLI's --define KEY:VALUE
    ip: '127.0.0.1',
    persist: false,
    logLevel: 'error',
    experimental: { disableExperimentalWarning: true },
  } as Parameters<typeof unstable_dev>[1]);
  edgeUrl = `http://${edge.address}:${edge.port}`;
});
afterAll(async () => {
  await edge?.stop();
});

describe('ONNX build in workerd', () => {
  it('runs a synced linear model on real features like onnxruntime-node', async () => {
    const bars = loadBtcHourly({ from: Date.UTC(2024, 5, 1), to: Date.UTC(2024, 5, 8) });
    const rows = bars.slice(24).map((b, i) => {
      const c = bars.map((x) => x.close);
      const k = i + 24;
      return [Math.log(c[k]! / c[k - 1]!), Math.log(c[k]! / c[k - 24]!), (b.high - b.low) / b.close];
    });
    const n = rows.length;
    const mean = [0, 1, 2].map((j) => rows.reduce((s, r) => s + r[j]!, 0) / n);
    const std = [0, 1, 2].map((j) => Math.sqrt(rows.reduce((s, r) => s + (r[j]! - mean[j]!) ** 2, 0) / (n - 1)));
    const bytes = exportLinearOnnx({ inputs: ['ret_1h', 'ret_24h', 'range_1h'], mean, std, clip: 3, intercept: -0.004, coef: [0.11, -0.27, 0.05] }, { model: 'linear', horizon: '4h' });

    const body = JSON.stringify({ horizon: '4h', model: Buffer.from(bytes).toString('base64'), version: 'linear@e2e' });
    const ts = Date.now();
    const sync = await fetch(`${edgeUrl}/sync/model`, {
      method: 'POST', body,
      headers: { 'content-type': 'application/json', 'x-satcast-key-id': 'k1', 'x-satcast-timestamp': String(ts), 'x-satcast-signature': await signPayload(SYNC_SECRET, ts, body) },
    });
    expect(sync.status).toBe(200);

    const token = await new SignJWT({ role: 'viewer' }).setProtectedHeader({ alg: 'HS256' }).setSubject('e2e-onnx')
      .setIssuer('https://auth.satcast.local').setAudience('satcast-api').setExpirationTime('10m').sign(new TextEncoder().encode(JWT_SECRET));
    const features = rows.slice(-30);
    const res = await fetch(`${edgeUrl}/api/v1/predictions`, {
      method: 'POST', body: JSON.stringify({ horizon: '4h', features }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    const got = ((await res.json()) as { outputs: { z: { data: number[] } } }).outputs.z.data;

    const session = await ort.InferenceSession.create(bytes);
    const out = await session.run({ features: new ort.Tensor('float32', Float32Array.from(features.flat()), [features.length, 3]) });
    const want = Array.from(out.z!.data as Float32Array, Number);
    await session.release();
    expect(got).toHaveLength(want.length);
    got.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(1e-5));
  });
});
