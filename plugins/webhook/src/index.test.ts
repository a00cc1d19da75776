import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { testNotifier, sampleAlert } from '@satcast/core/testing';
import { createPluginContext, sendWithRetry } from '@satcast/core';
import webhook from './index.js';

const SECRET = 'whsec_0123456789abcdef';

/** A real receiver on 127.0.0.1 that verifies signatures like a user's endpoint would. */
class Receiver {
  server!: Server;
  url = '';
  accepted: unknown[] = [];
  headers: IncomingMessage['headers'][] = [];
  private failures: { kind: 'transient' | 'permanent' | 'slow' | 'limited' }[] = [];

  async start() {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const f = this.failures.shift();
        if (f?.kind === 'slow') return void setTimeout(() => res.end('late'), 500);
        if (f?.kind === 'transient') return void res.writeHead(503).end('busy');
        if (f?.kind === 'permanent') return void res.writeHead(400).end('bad');
        if (f?.kind === 'limited') return void res.writeHead(429, { 'retry-after': '0.05' }).end();
        const ts = String(req.headers['x-satcast-timestamp']);
        const expected = `sha256=${createHmac('sha256', SECRET).update(`${ts}.${body}`).digest('hex')}`;
        if (req.headers['x-satcast-signature'] !== expected) return void res.writeHead(401).end('bad signature');
        this.accepted.push(JSON.parse(body));
        this.headers.push(req.headers);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/satcast`;
  }
  fail(n: number, kind: 'transient' | 'permanent' | 'slow' | 'limited') {
    for (let i = 0; i < n; i++) this.failures.push({ kind });
  }
  reset() {
    this.accepted = [];
    this.headers = [];
    this.failures = [];
  }
}

const receiver = new Receiver();
await receiver.start();
afterAll(() => new Promise<void>((r) => receiver.server.close(() => r())));

testNotifier({
  plugin: webhook,
  // Generous timeout: a cold first request on a loaded CI machine can take a few hundred ms.
  options: { url: receiver.url, secret: SECRET, timeoutMs: 3000 },
  secrets: [SECRET],
  harness: {
    failNext: (n, kind) => receiver.fail(n, kind),
    received: async () => receiver.accepted,
    reset: () => receiver.reset(),
  },
  additionalTests: (get) => {
    beforeAll(() => receiver.reset());

    it('signs the body so the receiver can verify it, with an idempotency key', async () => {
      receiver.reset();
      await get().notifier.send(sampleAlert({ id: 'a-9' }));
      expect(receiver.accepted).toHaveLength(1);
      expect(receiver.headers[0]!['idempotency-key']).toBe('a-9:low-confidence:BTCUSDT:1h');
      expect((receiver.accepted[0] as { alert: { id: string } }).alert.id).toBe('a-9');
    });

    it('a wrong secret is refused by the receiver and not retried', async () => {
      receiver.reset();
      const other = await webhook.create(webhook.optionsSchema.parse({ url: receiver.url, secret: 'another-secret-123456' }), createPluginContext());
      await expect(sendWithRetry(other, webhook.retry, sampleAlert(), { sleep: async () => {} })).rejects.toThrow(/refused the alert with 401/);
      expect(receiver.accepted).toHaveLength(0);
    });

    it('429 is retried after the Retry-After hint', async () => {
      receiver.reset();
      receiver.fail(1, 'limited');
      const waits: number[] = [];
      const res = await sendWithRetry(get().notifier, webhook.retry, sampleAlert(), { sleep: async (ms) => void waits.push(ms) });
      expect(res.attempts).toBe(2);
      expect(waits).toEqual([50]);
      expect(receiver.accepted).toHaveLength(1);
    });

    it('a receiver slower than timeoutMs is a retryable timeout', async () => {
      receiver.reset();
      receiver.fail(1, 'slow');
      const quick = await webhook.create(webhook.optionsSchema.parse({ url: receiver.url, secret: SECRET, timeoutMs: 200 }), createPluginContext());
      await expect(quick.send(sampleAlert())).rejects.toMatchObject({ retryable: true, message: expect.stringMatching(/within 200 ms/) });
    });

    it('rejects bad options by field', () => {
      expect(webhook.optionsSchema.safeParse({ url: 'ftp://x', secret: SECRET }).error?.issues[0]!.path).toEqual(['url']);
      expect(webhook.optionsSchema.safeParse({ url: receiver.url, secret: 'short' }).error?.issues[0]!.path).toEqual(['secret']);
    });
  },
});
