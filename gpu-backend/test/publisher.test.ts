import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPayload, type Prediction } from '@satcast/core';
import { createEdgePublisher } from '../src/edge/publisher.js';

const SECRET = 'publisher-test-secret-0123456789';
const p: Prediction = {
  asset: 'BTCUSDT', horizon: '1h', issuedAt: 1_751_328_000_000, targetTime: 1_751_331_600_000, lastPrice: 107_135.34, point: 107_140,
  quantiles: { p05: 105_900, p25: 106_700, p50: 107_140, p75: 107_600, p95: 108_400 }, pUp: 0.53, confidence: 0.53,
  conservative: true, modelVersion: 'ewma-band@1', metadata: {},
};

/** A fake edge on 127.0.0.1 that checks signatures and answers from a script of statuses. */
const script: number[] = [];
const received: string[] = [];
const paths: string[] = [];
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', async () => {
    const sig = await signPayload(SECRET, Number(req.headers['x-satcast-timestamp']), body);
    const status = script.shift() ?? (sig === req.headers['x-satcast-signature'] ? 200 : 401);
    if (status === 200) (received.push(body), paths.push(req.url ?? ''));
    res.writeHead(status, { 'content-type': 'application/json' }).end(status === 200 ? JSON.stringify({ accepted: 1, ignored: [], delivered: 2 }) : JSON.stringify({ detail: `status ${status}` }));
  });
});
let url = '';
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const fast = { attempts: 4, baseDelayMs: 1, maxDelayMs: 5 };

describe('edge publisher', () => {
  it('pushes a signed body the edge can verify', async () => {
    received.length = 0;
    const pub = createEdgePublisher({ url, keyId: 'k1', secret: SECRET, retry: fast });
    expect(await pub.publish([p])).toMatchObject({ accepted: 1, delivered: 2, attempts: 1 });
    expect(JSON.parse(received[0]!).predictions[0].issuedAt).toBe(p.issuedAt);
  });

  it('retries 5xx and 429, then delivers once', async () => {
    received.length = 0;
    script.push(503, 429);
    const pub = createEdgePublisher({ url, keyId: 'k1', secret: SECRET, retry: fast });
    expect((await pub.publish([p])).attempts).toBe(3);
    expect(received).toHaveLength(1);
  });

  it('treats 409 (already applied) as delivered, and does not retry 401', async () => {
    script.push(409);
    const pub = createEdgePublisher({ url, keyId: 'k1', secret: SECRET, retry: fast });
    expect((await pub.publish([p])).accepted).toBe(0);
    const wrong = createEdgePublisher({ url, keyId: 'k1', secret: 'a-different-secret-0123456789', retry: fast });
    await expect(wrong.publish([p])).rejects.toThrow(/edge refused the push with 401/);
    expect(wrong.stats).toMatchObject({ pushes: 1, failures: 1 });
  });

  it('pushes a served ONNX model to /sync/model, signed, base64 bytes intact, retried on 5xx', async () => {
    received.length = 0;
    paths.length = 0;
    script.push(503);
    const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 31) % 256);
    const pub = createEdgePublisher({ url, keyId: 'k1', secret: SECRET, retry: fast });
    expect(await pub.pushModel('4h', bytes, 'ridge@v3')).toEqual({ attempts: 2 });
    expect(paths).toEqual(['/sync/model']);
    const body = JSON.parse(received[0]!);
    expect(body).toMatchObject({ horizon: '4h', version: 'ridge@v3' });
    expect(Uint8Array.from(atob(body.model), (c) => c.charCodeAt(0))).toEqual(bytes);
  });

  it('gives up after the retry budget when the edge is down', async () => {
    const pub = createEdgePublisher({ url: 'http://127.0.0.1:9', keyId: 'k1', secret: SECRET, retry: fast });
    await expect(pub.publish([p])).rejects.toThrow(/edge unreachable/);
  });
});
