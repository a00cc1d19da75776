import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SignJWT } from 'jose';
import { PredictionSchema, HORIZONS } from '@satcast/core';
import { startSatcast, type Satcast } from '../src/runner.js';
import { quietLog, tempDir, testConfig, writeCandlesCsv } from './helpers.js';

const SECRET = 'stream-test-secret-0123456789abcdef';
const token = () =>
  new SignJWT({ role: 'viewer' }).setProtectedHeader({ alg: 'HS256' }).setSubject(`ws-${Math.random()}`).setIssuer('https://auth.satcast.local')
    .setAudience('satcast-api').setExpirationTime('5m').sign(new TextEncoder().encode(SECRET));

type Msg = { type: string; timestamp?: string; prediction?: number; confidence?: number; timeframe?: string; metadata?: unknown };

function open(url: string, headers: Record<string, string> = {}, protocols?: string[]) {
  const ws = new WebSocket(url, protocols, { headers });
  const messages: Msg[] = [];
  ws.on('message', (d) => messages.push(JSON.parse(String(d))));
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
  const until = async (pred: (m: Msg[]) => boolean, ms = 5000) => {
    const end = Date.now() + ms;
    while (!pred(messages)) {
      if (Date.now() > end) throw new Error(`timed out; got ${JSON.stringify(messages.map((m) => m.type))}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { ws, messages, opened, until };
}

describe('WebSocket /stream/predictions', () => {
  let sc: Satcast;
  let base: string;
  beforeAll(async () => {
    process.env.SATCAST_JWT_SECRET = SECRET;
    const dir = tempDir();
    const csv = writeCandlesCsv(dir, Date.UTC(2024, 0, 1), Date.UTC(2024, 2, 1));
    sc = await startSatcast(testConfig(dir, csv, { auth: { allowAnonymous: false } }), {
      log: quietLog,
      live: false,
      stream: { intervalMs: 100, pingMs: 1000, maxBufferedBytes: 64 * 1024 },
    });
    base = sc.url!.replace('http', 'ws');
  }, 60_000);
  afterAll(() => sc?.close());

  it('refuses an upgrade without a token or with a bad one (HTTP 401, no socket)', async () => {
    await expect(open(`${base}/stream/predictions`).opened).rejects.toThrow(/HTTP 401/);
    await expect(open(`${base}/stream/predictions`, { authorization: 'Bearer nope' }).opened).rejects.toThrow(/HTTP 401/);
    await expect(open(`${base}/stream/predictions?timeframes=2h`, { authorization: `Bearer ${await token()}` }).opened).rejects.toThrow(/HTTP 400/);
  });

  it('sends schema-valid messages for the subscribed timeframes, every interval', async () => {
    const c = open(`${base}/stream/predictions?timeframes=4h`, { authorization: `Bearer ${await token()}` });
    await c.opened;
    await c.until((m) => m.filter((x) => x.type === 'prediction').length >= 3);
    const preds = c.messages.filter((x) => x.type === 'prediction');
    for (const p of preds) {
      expect(p.timeframe).toBe('4h');
      expect(Number.isNaN(Date.parse(p.timestamp!))).toBe(false);
      const full = PredictionSchema.parse(p.metadata);
      expect(p.prediction).toBe(full.point);
      expect(p.confidence).toBe(full.confidence);
    }
    c.ws.close();
  });

  it('accepts the token as a subprotocol (browsers) and lets the client change its subscription', async () => {
    const c = open(`${base}/stream/predictions?timeframes=1h`, {}, ['bearer', await token()]);
    await c.opened;
    expect(c.ws.protocol).toBe('bearer');
    c.ws.send(JSON.stringify({ type: 'subscribe', timeframes: ['24h'] }));
    await c.until((m) => m.some((x) => x.type === 'subscribed'));
    const after = c.messages.length;
    await c.until((m) => m.slice(after).some((x) => x.type === 'prediction'));
    expect(new Set(c.messages.slice(after).filter((x) => x.type === 'prediction').map((x) => x.timeframe))).toEqual(new Set(['24h']));
    c.ws.close();
  });

  it('drops a slow consumer without affecting the others', { timeout: 60_000 }, async () => {
    const slow = open(`${base}/stream/predictions`, { authorization: `Bearer ${await token()}` });
    const fast = open(`${base}/stream/predictions`, { authorization: `Bearer ${await token()}` });
    await Promise.all([slow.opened, fast.opened]);
    // The slow client stops reading; the server keeps writing until its buffer passes 64 KiB.
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const latest = await sc.store.latestPredictions({ asset: 'BTCUSDT', model: 'ewma-band' });
    const before = sc.stream!.clients();
    // Kernel socket buffers on loopback absorb a few MB before the server-side buffer starts to grow.
    for (let i = 0; i < 50_000 && sc.stream!.clients() === before; i++) {
      sc.stream!.broadcast(latest);
      if (i % 20 === 0) await new Promise((r) => setImmediate(r));
    }
    expect(sc.stream!.clients()).toBe(before - 1);
    const seen = fast.messages.length;
    sc.stream!.broadcast(latest);
    await fast.until((m) => m.length >= seen + HORIZONS.length);
    expect(fast.ws.readyState).toBe(WebSocket.OPEN);
    fast.ws.close();
  });
});
