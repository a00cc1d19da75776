import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, createPluginContext, sendWithRetry } from '@satcast/core';
import { sampleAlert, testNotifier } from '@satcast/core/testing';
import { capturingLogger, deadUrl, FakeHttpReceiver } from '@satcast/plugin-alerting/testing';
import pagerduty, { createPagerDutyNotifier, toPagerDutyEvent } from './index.js';

const KEY = 'R0123456789abcdef0123456789abcde';
/** Answers like PagerDuty: 202 and the dedup key; 400 for an event without a routing key. */
const rx = await new FakeHttpReceiver({
  accept: (req) => ({ status: 202, body: JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: JSON.parse(req.body).dedup_key }) }),
  refuse: { status: 400, body: JSON.stringify({ status: 'invalid event', message: 'Event object is invalid', errors: ['Length of \'routing_key\' is incorrect'] }) },
  gate: (req) => (JSON.parse(req.body).routing_key === KEY ? undefined : { status: 400, body: '{"status":"invalid event"}' }),
  slowMs: 600,
}).start();
afterAll(() => rx.close());
const noSleep = async () => {};
const opts = (o: Record<string, unknown> = {}) => pagerduty.optionsSchema.parse({ routingKey: KEY, baseUrl: rx.url, timeoutMs: 2000, rateLimit: { perMinute: 600, burst: 100 }, ...o });
const bodies = () => rx.accepted.map((r) => JSON.parse(r.body));

testNotifier({
  plugin: pagerduty,
  options: { routingKey: KEY, baseUrl: rx.url, timeoutMs: 2000, rateLimit: { perMinute: 600, burst: 100 } },
  secrets: [KEY],
  harness: rx.harness(),
  additionalTests: (get) => {
    it('triggers with the documented v2 event shape on POST /v2/enqueue, and returns the dedup key', async () => {
      rx.reset();
      const res = await get().notifier.send(sampleAlert({ id: 'pd-1', severity: 'critical', labels: { component: 'store' } }));
      expect(res.id).toBe('low-confidence:BTCUSDT:1h');
      const req = rx.accepted[0]!;
      expect(req.method).toBe('POST');
      expect(req.path).toBe('/v2/enqueue');
      expect(req.headers['content-type']).toBe('application/json');
      expect(req.headers.authorization).toBeUndefined(); // Events API v2: the routing key is the credential
      const e = JSON.parse(req.body);
      expect(e).toMatchObject({ routing_key: KEY, event_action: 'trigger', dedup_key: 'low-confidence:BTCUSDT:1h', client: 'Satcast' });
      expect(e.payload).toMatchObject({ summary: 'Low prediction confidence — 1h confidence 0.52 below 0.70', severity: 'critical', source: 'satcast', component: 'store', group: 'satcast', class: 'low-confidence', timestamp: '2024-07-01T00:00:00.000Z' });
      expect(e.payload.custom_details.alertId).toBe('pd-1');
    });

    it('resolve and acknowledge carry only routing_key, event_action and the same dedup_key', async () => {
      rx.reset();
      const n = get().notifier as ReturnType<typeof createPagerDutyNotifier>;
      await n.send(sampleAlert({ id: 'pd-2' }));
      await n.acknowledge('low-confidence:BTCUSDT:1h');
      await n.send(sampleAlert({ id: 'pd-2', status: 'resolved' }));
      expect(bodies().map((b) => b.event_action)).toEqual(['trigger', 'acknowledge', 'resolve']);
      expect(bodies()[2]).toEqual({ routing_key: KEY, event_action: 'resolve', dedup_key: 'low-confidence:BTCUSDT:1h' });
      expect(new Set(bodies().map((b) => b.dedup_key)).size).toBe(1);
    });

    it('no duplicate delivery after a success', async () => {
      rx.reset();
      const a = sampleAlert({ id: 'pd-3' });
      await sendWithRetry(get().notifier, pagerduty.retry, a, { sleep: noSleep });
      const again = await sendWithRetry(get().notifier, pagerduty.retry, a, { sleep: noSleep });
      expect(again).toMatchObject({ duplicate: true, id: 'low-confidence:BTCUSDT:1h' });
      expect(rx.accepted).toHaveLength(1);
    });

    it('429 (throttled) and 5xx are retried and finally delivered once; Retry-After is honoured', async () => {
      rx.reset();
      rx.fail(1, 'limited');
      rx.fail(1, 'transient');
      const waits: number[] = [];
      const res = await sendWithRetry(get().notifier, pagerduty.retry, sampleAlert({ id: 'pd-4' }), { sleep: async (ms) => void waits.push(ms), random: () => 1 });
      expect(res.attempts).toBe(3);
      expect(waits).toEqual([50, 2000]); // the 429 hint, then capped backoff base·2 (full jitter at random = 1)
      expect(rx.accepted).toHaveLength(1);
    });

    it('slow and down receivers: retryable, retried to the budget, then reported', async () => {
      rx.reset();
      rx.fail(1, 'slow');
      const quick = createPagerDutyNotifier(opts({ timeoutMs: 200 }), createPluginContext());
      await expect(quick.send(sampleAlert({ id: 'pd-5' }))).rejects.toMatchObject({ retryable: true, message: '[satcast] [pagerduty] no answer from PagerDuty Events API within 200 ms' });
      const down = createPagerDutyNotifier(opts({ baseUrl: await deadUrl() }), createPluginContext());
      let calls = 0;
      await expect(sendWithRetry({ send: (a) => (calls++, down.send(a)) }, pagerduty.retry, sampleAlert(), { sleep: noSleep })).rejects.toThrow(/cannot reach PagerDuty Events API/);
      expect(calls).toBe(pagerduty.retry.attempts);
    });

    it('a wrong routing key is refused (400), not retried, and the key is in neither error nor logs', async () => {
      rx.reset();
      const cap = capturingLogger();
      const wrong = 'Rwrongwrongwrongwrongwrongwrong0';
      const n = createPagerDutyNotifier(opts({ routingKey: wrong }), createPluginContext({ log: cap.log }));
      let calls = 0;
      const err = await sendWithRetry({ send: (a) => (calls++, n.send(a)) }, pagerduty.retry, sampleAlert(), { sleep: noSleep }).catch((e) => e);
      expect(calls).toBe(1);
      expect(err.message).toMatch(/refused the alert with 400.*check routingKey/);
      expect(`${err.message} ${cap.lines.join('\n')}`).not.toContain(wrong);
      expect((await n.health())).toMatchObject({ ok: true, failed: 1, consecutiveFailures: 1 });
    });

    it('rate limit per routing key, then delivery after the wait', async () => {
      rx.reset();
      let now = 0;
      const n = createPagerDutyNotifier(opts({ rateLimit: { perMinute: 120, burst: 1 } }), createPluginContext({ now: () => now }));
      await n.send(sampleAlert({ id: 'a' }));
      await expect(n.send(sampleAlert({ id: 'b' }))).rejects.toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 500 });
      await sendWithRetry(n, pagerduty.retry, sampleAlert({ id: 'b' }), { sleep: async (ms) => void (now += ms) });
      expect(rx.accepted).toHaveLength(2);
    });

    it('missing routing key: ConfigError at create naming option and env var', () => {
      const prev = process.env.SATCAST_PAGERDUTY_ROUTING_KEY;
      delete process.env.SATCAST_PAGERDUTY_ROUTING_KEY;
      try {
        expect(() => createPagerDutyNotifier(pagerduty.optionsSchema.parse({ baseUrl: rx.url }), createPluginContext())).toThrow(ConfigError);
        expect(() => createPagerDutyNotifier(pagerduty.optionsSchema.parse({ baseUrl: rx.url }), createPluginContext())).toThrow('missing option "routingKey" (or environment variable SATCAST_PAGERDUTY_ROUTING_KEY)');
      } finally {
        if (prev !== undefined) process.env.SATCAST_PAGERDUTY_ROUTING_KEY = prev;
      }
    });
  },
});

describe('toPagerDutyEvent', () => {
  it('cuts the summary to 1024 characters and maps severities', () => {
    const e = toPagerDutyEvent(sampleAlert({ message: 'x'.repeat(2000), severity: 'info' }), { routingKey: KEY, source: 's' }) as { payload: { summary: string; severity: string } };
    expect(e.payload.summary).toHaveLength(1024);
    expect(e.payload.severity).toBe('info');
  });
});
