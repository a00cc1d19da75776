import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, createPluginContext, sendWithRetry } from '@satcast/core';
import { sampleAlert, testNotifier } from '@satcast/core/testing';
import { capturingLogger } from '@satcast/plugin-alerting/testing';
import email, { createEmailNotifier, toMail } from './index.js';

const USER = 'alerts@satcast.test';
const PASS = 'smtp-pass-0123456789';

interface Received { from: string; to: string[]; raw: string }

/** A real SMTP server (smtp-server) on 127.0.0.1: checks the login, stores each message, fails on demand. */
class Inbox {
  server!: SMTPServer;
  port = 0;
  messages: Received[] = [];
  logins: string[] = [];
  private plan: ('transient' | 'permanent' | 'slow' | 'pass')[] = [];

  async start() {
    this.server = new SMTPServer({
      authOptional: false,
      allowInsecureAuth: true, // the test server speaks plain TCP; production uses TLS (secure / STARTTLS)
      disabledCommands: ['STARTTLS'],
      logger: false,
      closeTimeout: 50,
      onAuth: (auth, _s, cb) => {
        this.logins.push(auth.username ?? '');
        if (auth.username === USER && auth.password === PASS) return cb(null, { user: auth.username });
        cb(Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 }));
      },
      onData: (stream, session, cb) => {
        let raw = '';
        stream.setEncoding('utf8');
        stream.on('data', (c: string) => (raw += c));
        stream.on('end', () => {
          const f = this.plan.shift();
          if (f === 'slow') return void setTimeout(() => cb(null), 1500).unref();
          if (f === 'transient') return cb(Object.assign(new Error('Requested action aborted: try again later'), { responseCode: 451 }));
          if (f === 'permanent') return cb(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 }));
          this.messages.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), raw });
          cb(null);
        });
      },
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }
  fail(n: number, kind: 'transient' | 'permanent' | 'slow' | 'pass') {
    for (let i = 0; i < n; i++) this.plan.push(kind);
  }
  reset() {
    this.messages = [];
    this.logins = [];
    this.plan = [];
  }
  close() {
    return new Promise<void>((r) => this.server.close(() => r()));
  }
}

const inbox = await new Inbox().start();
afterAll(() => inbox.close());
const noSleep = async () => {};
const base = { host: '127.0.0.1', port: inbox.port, secure: false, user: USER, password: PASS, from: 'Satcast <alerts@satcast.test>', to: ['ops@example.com', 'oncall@example.com'], timeoutMs: 5000, rateLimit: { perMinute: 600, burst: 100 } };
const opts = (o: Record<string, unknown> = {}) => email.optionsSchema.parse({ ...base, ...o });
/** Unfold header lines and read one header. */
const header = (raw: string, name: string) => new RegExp(`^${name}: (.*(?:\\r\\n[ \\t].*)*)`, 'im').exec(raw)?.[1]?.replace(/\r\n[ \t]/g, ' ');

testNotifier({
  plugin: email,
  options: base,
  secrets: [PASS],
  harness: { failNext: (n, kind) => inbox.fail(n, kind), received: async () => inbox.messages, reset: () => inbox.reset() },
  additionalTests: (get) => {
    it('the SMTP server receives one message for all recipients, with subject, body and stable Message-ID', async () => {
      inbox.reset();
      const res = await get().notifier.send(sampleAlert({ id: 'mail-1' }));
      expect(inbox.messages).toHaveLength(1);
      const m = inbox.messages[0]!;
      expect(m.from).toBe('alerts@satcast.test');
      expect(m.to).toEqual(['ops@example.com', 'oncall@example.com']);
      expect(inbox.logins).toEqual([USER]);
      expect(header(m.raw, 'Subject')).toBe('[satcast] [WARNING] Low prediction confidence');
      expect(header(m.raw, 'Message-ID')).toBe('<mail-1.firing@satcast.test>');
      expect(res.id).toBe('<mail-1.firing@satcast.test>');
      expect(header(m.raw, 'X-Satcast-Dedup-Key')).toBe('low-confidence:BTCUSDT:1h');
      expect(m.raw).toContain('1h confidence 0.52 below 0.70');
      expect(m.raw).toMatch(/Content-Type: text\/html/);
    });

    it('no duplicate delivery after a success', async () => {
      inbox.reset();
      await sendWithRetry(get().notifier, email.retry, sampleAlert({ id: 'mail-dup' }), { sleep: noSleep });
      const again = await sendWithRetry(get().notifier, email.retry, sampleAlert({ id: 'mail-dup' }), { sleep: noSleep });
      expect(again).toMatchObject({ duplicate: true, attempts: 1 });
      expect(inbox.messages).toHaveLength(1);
    });

    it('451 is retried and delivered once; 550 is permanent; a slow server times out (retryable)', async () => {
      inbox.reset();
      inbox.fail(2, 'transient');
      expect((await sendWithRetry(get().notifier, email.retry, sampleAlert({ id: 'm-451' }), { sleep: noSleep })).attempts).toBe(3);
      expect(inbox.messages).toHaveLength(1);
      inbox.fail(1, 'permanent');
      await expect(get().notifier.send(sampleAlert({ id: 'm-550' }))).rejects.toMatchObject({ retryable: false, message: expect.stringMatching(/550 Mailbox unavailable/) });
      inbox.fail(1, 'slow');
      const quick = createEmailNotifier(opts({ timeoutMs: 300 }), createPluginContext());
      await expect(quick.send(sampleAlert({ id: 'm-slow' }))).rejects.toMatchObject({ retryable: true, message: `[satcast] [email] no answer from SMTP server 127.0.0.1:${inbox.port} within 300 ms` });
    });

    it('a server that is down is retried to the budget, then reported', async () => {
      const dead = new SMTPServer({ logger: false });
      await new Promise<void>((r) => dead.listen(0, '127.0.0.1', () => r()));
      const port = (dead.server.address() as AddressInfo).port;
      await new Promise<void>((r) => dead.close(() => r()));
      const down = createEmailNotifier(opts({ port }), createPluginContext());
      let calls = 0;
      await expect(sendWithRetry({ send: (a) => (calls++, down.send(a)) }, email.retry, sampleAlert(), { sleep: noSleep })).rejects.toMatchObject({ retryable: true, message: expect.stringMatching(/cannot reach SMTP server 127\.0\.0\.1:\d+ \(ESOCKET: connect ECONNREFUSED/) });
      expect(calls).toBe(email.retry.attempts);
      expect(await down.health()).toMatchObject({ ok: false, checked: 'remote' });
    });

    it('a wrong password: 535 is permanent with a hint, health() says so, and the password is never logged', async () => {
      inbox.reset();
      const cap = capturingLogger();
      const wrong = 'not-the-password-42';
      const bad = createEmailNotifier(opts({ password: wrong }), createPluginContext({ log: cap.log }));
      let calls = 0;
      const err = await sendWithRetry({ send: (a) => (calls++, bad.send(a)) }, email.retry, sampleAlert(), { sleep: noSleep }).catch((e) => e);
      expect(calls).toBe(1);
      expect(err.message).toMatch(/refused the login .*535.*check user and password/);
      const h = await bad.health();
      expect(h).toMatchObject({ ok: false, checked: 'remote' });
      expect(await (get().notifier as ReturnType<typeof createEmailNotifier>).health()).toMatchObject({ ok: true, checked: 'remote' });
      const text = `${cap.lines.join('\n')} ${err.message} ${JSON.stringify(h)}`;
      expect(text).not.toContain(wrong);
      expect(text).not.toContain(Buffer.from(`\u0000${USER}\u0000${wrong}`).toString('base64'));
      expect(inbox.messages).toHaveLength(0);
    });

    it('misconfiguration: a user without password is a ConfigError at create naming the env var; bad addresses by field', () => {
      const prev = process.env.SATCAST_SMTP_PASSWORD;
      delete process.env.SATCAST_SMTP_PASSWORD;
      try {
        expect(() => createEmailNotifier(opts({ password: undefined }), createPluginContext())).toThrow(ConfigError);
        expect(() => createEmailNotifier(opts({ password: undefined }), createPluginContext())).toThrow('missing option "password" (or environment variable SATCAST_SMTP_PASSWORD)');
        process.env.SATCAST_SMTP_PASSWORD = PASS;
        expect(() => createEmailNotifier(opts({ password: undefined }), createPluginContext())).not.toThrow();
      } finally {
        if (prev === undefined) delete process.env.SATCAST_SMTP_PASSWORD;
        else process.env.SATCAST_SMTP_PASSWORD = prev;
      }
      expect(email.optionsSchema.safeParse({ ...base, to: ['nobody'] }).error?.issues[0]!.path).toEqual(['to', 0]);
      expect(email.optionsSchema.safeParse({ ...base, to: [] }).error?.issues[0]!.path).toEqual(['to']);
    });
  },
});

describe('toMail', () => {
  it('escapes HTML and marks resolved alerts', () => {
    const m = toMail(sampleAlert({ status: 'resolved', message: '<script>x</script>' }), { subjectPrefix: '[satcast]', domain: 'd.test' });
    expect(m.subject).toBe('[satcast] [RESOLVED] Low prediction confidence');
    expect(m.html).toContain('&lt;script&gt;');
    expect(m.html).not.toContain('<script>');
    expect(m.messageId).toBe('<alert-1.resolved@d.test>');
  });
});
