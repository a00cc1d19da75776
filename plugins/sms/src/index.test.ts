import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, createPluginContext, sendWithRetry } from '@satcast/core';
import { sampleAlert, testNotifier } from '@satcast/core/testing';
import { capturingLogger, deadUrl, FakeHttpReceiver, type RecordedRequest } from '@satcast/plugin-alerting/testing';
import sms, { createSmsNotifier, smsBody } from './index.js';

const SID = 'AC0123456789abcdef0123456789abcdef';
const TOKEN = 'twilio_auth_token_0123456789';
const BASIC = `Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}`;
const authorized = (r: RecordedRequest) => r.headers.authorization === BASIC;
let n = 0;
/** Answers like Twilio: 201 with a message sid; 401 code 20003 on bad credentials; account lookup for health. */
const rx = await new FakeHttpReceiver({
  accept: (req) => (req.method === 'GET' ? { status: 200, body: JSON.stringify({ sid: SID, status: 'active' }) } : { status: 201, body: JSON.stringify({ sid: `SM${String(++n).padStart(32, '0')}`, status: 'queued' }) }),
  refuse: { status: 400, body: JSON.stringify({ code: 21211, message: "The 'To' number +1555 is not a valid phone number.", more_info: 'https://www.twilio.com/docs/errors/21211', status: 400 }) },
  gate: (req) => (authorized(req) ? undefined : { status: 401, body: JSON.stringify({ code: 20003, message: 'Authenticate', status: 401 }) }),
  slowMs: 600,
}).start();
afterAll(() => rx.close());
const noSleep = async () => {};
const base = { accountSid: SID, authToken: TOKEN, from: '+15557654321', to: ['+15551234567'], baseUrl: rx.url, timeoutMs: 2000, rateLimit: { perMinute: 600, burst: 100 } };
const opts = (o: Record<string, unknown> = {}) => sms.optionsSchema.parse({ ...base, ...o });
const messagesPath = `/2010-04-01/Accounts/${SID}/Messages.json`;

testNotifier({
  plugin: sms,
  options: base,
  secrets: [TOKEN, BASIC.slice(6)],
  harness: rx.harness(),
  additionalTests: (get) => {
    it('POSTs form-encoded To/From/Body to Messages.json with basic auth', async () => {
      rx.reset();
      const res = await get().notifier.send(sampleAlert({ id: 'sms-1' }));
      expect(res.id).toMatch(/^SM\d{32}$/);
      const req = rx.accepted[0]!;
      expect(req.method).toBe('POST');
      expect(req.path).toBe(messagesPath);
      expect(req.headers.authorization).toBe(BASIC);
      expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
      const form = Object.fromEntries(new URLSearchParams(req.body));
      expect(form).toEqual({ To: '+15551234567', From: '+15557654321', Body: '[satcast WARNING] Low prediction confidence: 1h confidence 0.52 below 0.70' });
    });

    it('several recipients: one message each; a retry after a partial failure resumes without repeats', async () => {
      rx.reset();
      const n2 = createSmsNotifier(opts({ to: ['+15550000001', '+15550000002', '+15550000003'] }), createPluginContext());
      // First recipient accepted, the second hits a 503: the retry must send to #2 and #3 only.
      rx.fail(1, 'pass');
      rx.fail(1, 'transient');
      const res = await sendWithRetry(n2, sms.retry, sampleAlert({ id: 'multi' }), { sleep: noSleep });
      expect(res.attempts).toBe(2);
      expect(res.id!.split(',')).toHaveLength(3);
      const tos = rx.accepted.map((r) => new URLSearchParams(r.body).get('To'));
      expect(tos).toEqual(['+15550000001', '+15550000002', '+15550000003']);
      // 4 requests arrived: #1 ok, #2 503, then #2 and #3 on the retry.
      expect(rx.all.map((r) => new URLSearchParams(r.body).get('To'))).toEqual(['+15550000001', '+15550000002', '+15550000002', '+15550000003']);
    });

    it('messagingServiceSid replaces From; long bodies are cut', async () => {
      rx.reset();
      const MG = `MG${'a'.repeat(32)}`;
      const n3 = createSmsNotifier(opts({ from: undefined, messagingServiceSid: MG, maxLength: 40 }), createPluginContext());
      await n3.send(sampleAlert({ id: 'mg-1' }));
      const form = Object.fromEntries(new URLSearchParams(rx.accepted[0]!.body));
      expect(form.MessagingServiceSid).toBe(MG);
      expect(form.From).toBeUndefined();
      expect(form.Body).toHaveLength(40);
      expect(smsBody(sampleAlert({ status: 'resolved' }), 320)).toMatch(/^\[satcast RESOLVED\]/);
    });

    it('no duplicate delivery after a success', async () => {
      rx.reset();
      await get().notifier.send(sampleAlert({ id: 'sms-dup' }));
      expect(await get().notifier.send(sampleAlert({ id: 'sms-dup' }))).toMatchObject({ duplicate: true });
      expect(rx.accepted).toHaveLength(1);
    });

    it('429 with Retry-After, 5xx, slow and down receivers are retried, then reported', async () => {
      rx.reset();
      rx.fail(1, 'limited');
      rx.fail(1, 'transient');
      const waits: number[] = [];
      expect((await sendWithRetry(get().notifier, sms.retry, sampleAlert({ id: 'r-1' }), { sleep: async (ms) => void waits.push(ms) })).attempts).toBe(3);
      expect(waits[0]).toBe(50);
      expect(rx.accepted).toHaveLength(1);
      rx.fail(1, 'slow');
      const quick = createSmsNotifier(opts({ timeoutMs: 200 }), createPluginContext());
      await expect(quick.send(sampleAlert({ id: 'r-2' }))).rejects.toMatchObject({ retryable: true, message: '[satcast] [sms] no answer from Twilio within 200 ms' });
      const down = createSmsNotifier(opts({ baseUrl: await deadUrl() }), createPluginContext());
      let calls = 0;
      await expect(sendWithRetry({ send: (a) => (calls++, down.send(a)) }, sms.retry, sampleAlert(), { sleep: noSleep })).rejects.toThrow('[satcast] [sms] cannot reach Twilio (ECONNREFUSED)');
      expect(calls).toBe(sms.retry.attempts);
    });

    it('bad credentials: 401 is permanent with a hint; health() checks them remotely; secrets never logged', async () => {
      rx.reset();
      const cap = capturingLogger();
      const wrong = 'wrong_token_0123456789abc';
      const bad = createSmsNotifier(opts({ authToken: wrong }), createPluginContext({ log: cap.log }));
      const err = await bad.send(sampleAlert()).catch((e) => e);
      expect(err).toMatchObject({ retryable: false, message: expect.stringMatching(/Twilio refused the alert with 401.*20003.*check accountSid and authToken/) });
      const h = await bad.health();
      expect(h).toMatchObject({ ok: false, checked: 'remote' });
      expect(h.detail).toMatch(/401/);
      expect((await (get().notifier as ReturnType<typeof createSmsNotifier>).health())).toMatchObject({ ok: true, checked: 'remote', detail: 'account active' });
      expect(rx.all.some((r) => r.method === 'GET' && r.path === `/2010-04-01/Accounts/${SID}.json`)).toBe(true);
      const wrongBasic = Buffer.from(`${SID}:${wrong}`).toString('base64');
      const text = `${cap.lines.join('\n')} ${err.message} ${h.detail}`;
      expect(text).not.toContain(wrong);
      expect(text).not.toContain(wrongBasic);
    });

    it('misconfiguration: missing token, missing sender, bad numbers', () => {
      const prev = process.env.SATCAST_TWILIO_AUTH_TOKEN;
      delete process.env.SATCAST_TWILIO_AUTH_TOKEN;
      try {
        expect(() => createSmsNotifier(opts({ authToken: undefined }), createPluginContext())).toThrow(ConfigError);
        expect(() => createSmsNotifier(opts({ authToken: undefined }), createPluginContext())).toThrow('missing option "authToken" (or environment variable SATCAST_TWILIO_AUTH_TOKEN)');
        process.env.SATCAST_TWILIO_AUTH_TOKEN = TOKEN;
        expect(() => createSmsNotifier(opts({ authToken: undefined }), createPluginContext())).not.toThrow();
      } finally {
        if (prev === undefined) delete process.env.SATCAST_TWILIO_AUTH_TOKEN;
        else process.env.SATCAST_TWILIO_AUTH_TOKEN = prev;
      }
      expect(sms.optionsSchema.safeParse({ ...base, from: undefined }).error?.issues[0]!.path).toEqual(['from']);
      expect(sms.optionsSchema.safeParse({ ...base, to: ['5551234'] }).error?.issues[0]!.path).toEqual(['to', 0]);
    });
  },
});

describe('smsBody', () => {
  it('keeps short texts whole', () => {
    expect(smsBody(sampleAlert({ title: 'T', message: 'm' }), 320)).toBe('[satcast WARNING] T: m');
  });
});
