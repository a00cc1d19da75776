import { afterAll, describe, expect, it } from 'vitest';
import { AlertSchema, ConfigError, createPluginContext, sendWithRetry } from '@satcast/core';
import { sampleAlert, testNotifier } from '@satcast/core/testing';
import { capturingLogger, deadUrl, FakeHttpReceiver } from '@satcast/plugin-alerting/testing';
import slack, { createSlackNotifier, toSlackMessage } from './index.js';

const HOOK_PATH = '/services/T0001/B0002/XXXXsecretXXXXtokenXXXX';
const rx = await new FakeHttpReceiver({ accept: () => ({ status: 200, body: 'ok', headers: { 'content-type': 'text/plain' } }), refuse: { status: 404, body: 'no_service' }, slowMs: 600 }).start();
const URL_ = `${rx.url}${HOOK_PATH}`;
afterAll(() => rx.close());
const noSleep = async () => {};
// Generous timeout for the contract cases (a loaded CI box must not turn them into retries); the slow case uses its own.
const opts = (o: Record<string, unknown> = {}) => slack.optionsSchema.parse({ webhookUrl: URL_, timeoutMs: 2000, rateLimit: { perMinute: 600, burst: 100 }, ...o });

testNotifier({
  plugin: slack,
  options: { webhookUrl: URL_, timeoutMs: 2000, rateLimit: { perMinute: 600, burst: 100 } },
  secrets: [URL_, HOOK_PATH],
  harness: rx.harness(),
  additionalTests: (get) => {
    it('posts {text, blocks} as Slack documents them, as JSON, to the webhook path', async () => {
      rx.reset();
      await get().notifier.send(sampleAlert({ id: 'shape-1', message: 'coverage <0.88 & falling', labels: { horizon: '1h', model: 'ewma-band' } }));
      const req = rx.accepted[0]!;
      expect(req.method).toBe('POST');
      expect(req.path).toBe(HOOK_PATH);
      expect(req.headers['content-type']).toMatch(/^application\/json/);
      const body = JSON.parse(req.body);
      expect(Object.keys(body).sort()).toEqual(['blocks', 'text']);
      expect(body.text).toBe(':warning: [WARNING] Low prediction confidence — coverage &lt;0.88 &amp; falling');
      expect(body.blocks.map((b: { type: string }) => b.type)).toEqual(['header', 'section', 'section', 'context']);
      expect(body.blocks[0].text).toEqual({ type: 'plain_text', text: ':warning: Low prediction confidence', emoji: true });
      expect(body.blocks[1].text.type).toBe('mrkdwn');
      expect(body.blocks[2].fields).toContainEqual({ type: 'mrkdwn', text: '*horizon*\n1h' });
      expect(body.blocks[3].elements[0].text).toMatch(/^rule `low-confidence` · dedup `low-confidence:BTCUSDT:1h` · <!date\^1719792000\^/);
    });

    it('no duplicate delivery after a success (same alert sent again, e.g. after a lost ack)', async () => {
      rx.reset();
      const a = sampleAlert({ id: 'dup-1' });
      const first = await sendWithRetry(get().notifier, slack.retry, a, { sleep: noSleep });
      const second = await sendWithRetry(get().notifier, slack.retry, a, { sleep: noSleep });
      expect(rx.accepted).toHaveLength(1);
      expect(second).toMatchObject({ duplicate: true, attempts: 1 });
      expect(first.attempts).toBe(1);
      await get().notifier.send(sampleAlert({ id: 'dup-1', status: 'resolved' }));
      expect(rx.accepted).toHaveLength(2); // the resolve is a new message
    });

    it('429 with Retry-After is retried after the hint, then delivered once', async () => {
      rx.reset();
      rx.fail(2, 'limited');
      const waits: number[] = [];
      const res = await sendWithRetry(get().notifier, slack.retry, sampleAlert({ id: 'rl-1' }), { sleep: async (ms) => void waits.push(ms) });
      expect(res.attempts).toBe(3);
      expect(waits).toEqual([50, 50]);
      expect(rx.accepted).toHaveLength(1);
    });

    it('a slow receiver is a retryable timeout; a down receiver is retried then reported', async () => {
      rx.reset();
      rx.fail(1, 'slow');
      const quick = createSlackNotifier(opts({ timeoutMs: 200 }), createPluginContext());
      await expect(quick.send(sampleAlert({ id: 'slow-1' }))).rejects.toMatchObject({ retryable: true, message: '[satcast] [slack] no answer from Slack webhook within 200 ms' });
      const down = createSlackNotifier(opts({ webhookUrl: `${await deadUrl()}${HOOK_PATH}` }), createPluginContext());
      let calls = 0;
      const counting = { send: (a: ReturnType<typeof sampleAlert>) => (calls++, down.send(a)) };
      await expect(sendWithRetry(counting, slack.retry, sampleAlert(), { sleep: noSleep })).rejects.toThrow('[satcast] [slack] cannot reach Slack webhook (ECONNREFUSED)');
      expect(calls).toBe(slack.retry.attempts);
      expect((await down.health()).lastError).toMatch(/ECONNREFUSED/);
    });

    it('404 no_service is permanent and explains itself', async () => {
      rx.reset();
      rx.fail(1, 'permanent');
      await expect(get().notifier.send(sampleAlert({ id: 'gone-1' }))).rejects.toMatchObject({ retryable: false, message: expect.stringMatching(/refused the alert with 404: no_service; the webhook was revoked/) });
    });

    it('per-channel rate limit: over the burst, a RateLimitedError with the wait; nothing reaches Slack', async () => {
      rx.reset();
      let now = 0;
      const n = createSlackNotifier(opts({ rateLimit: { perMinute: 60, burst: 2 } }), createPluginContext({ now: () => now }));
      await n.send(sampleAlert({ id: 'r1' }));
      await n.send(sampleAlert({ id: 'r2' }));
      await expect(n.send(sampleAlert({ id: 'r3' }))).rejects.toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 1000 });
      expect(rx.all).toHaveLength(2);
      // The host waits the hint on its clock and the retry goes through.
      const res = await sendWithRetry(n, slack.retry, sampleAlert({ id: 'r3' }), { sleep: async (ms) => void (now += ms) });
      expect(res.attempts).toBe(2);
      expect(rx.accepted).toHaveLength(3);
    });

    it('the webhook URL never appears in logs, even on failures', async () => {
      rx.reset();
      const cap = capturingLogger();
      const n = createSlackNotifier(opts(), createPluginContext({ log: cap.log }));
      await n.send(sampleAlert({ id: 'log-1' }));
      rx.fail(1, 'permanent');
      await n.send(sampleAlert({ id: 'log-2' })).catch(() => {});
      expect(cap.lines.length).toBeGreaterThanOrEqual(2);
      const text = cap.lines.join('\n');
      expect(text).not.toContain(HOOK_PATH);
      expect(text).not.toContain('XXXXsecretXXXXtokenXXXX');
    });

    it('misconfiguration is a ConfigError at create naming the option and env var; env is read when the option is absent', () => {
      const prev = process.env.SATCAST_SLACK_WEBHOOK_URL;
      delete process.env.SATCAST_SLACK_WEBHOOK_URL;
      try {
        expect(() => createSlackNotifier(slack.optionsSchema.parse({}), createPluginContext())).toThrow(ConfigError);
        expect(() => createSlackNotifier(slack.optionsSchema.parse({}), createPluginContext())).toThrow('[satcast] [slack] missing option "webhookUrl" (or environment variable SATCAST_SLACK_WEBHOOK_URL)');
        process.env.SATCAST_SLACK_WEBHOOK_URL = URL_;
        expect(() => createSlackNotifier(slack.optionsSchema.parse({}), createPluginContext())).not.toThrow();
      } finally {
        if (prev === undefined) delete process.env.SATCAST_SLACK_WEBHOOK_URL;
        else process.env.SATCAST_SLACK_WEBHOOK_URL = prev;
      }
      expect(slack.optionsSchema.safeParse({ webhookUrl: 'ftp://x' }).error?.issues[0]!.path).toEqual(['webhookUrl']);
    });
  },
});

describe('toSlackMessage', () => {
  it('resolved alerts say so; critical ones carry the mention; long text is cut to Slack limits', () => {
    const r = toSlackMessage(sampleAlert({ status: 'resolved' }));
    expect(r.text.startsWith(':white_check_mark: [RESOLVED]')).toBe(true);
    const c = toSlackMessage(sampleAlert({ severity: 'critical', title: 'x'.repeat(200), message: 'y'.repeat(4000) }), { mentionOnCritical: '<!channel>' });
    expect(c.text.startsWith('<!channel> :rotating_light:')).toBe(true);
    expect(((c.blocks[0]!.text as { text: string }).text).length).toBe(150);
    expect(((c.blocks[1]!.text as { text: string }).text).length).toBe(3000);
    expect(AlertSchema.safeParse(sampleAlert()).success).toBe(true);
  });
});
