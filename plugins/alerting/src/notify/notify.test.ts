import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, createPluginContext, RateLimitedError, UnavailableError } from '@satcast/core';
import { sampleAlert as sa } from '@satcast/core/testing';
import { createChannel } from './channel.js';
import { DeliveryLedger } from './ledger.js';
import { TokenBucket } from './rate.js';
import { redact, requireSecret } from './secrets.js';
import { httpOnce, throwForStatus } from './http.js';
import { capturingLogger, deadUrl, FakeHttpReceiver } from '../testing.js';


describe('token bucket', () => {
  it('allows a burst, then one per 60000/perMinute ms, and says how long to wait', () => {
    const b = new TokenBucket({ perMinute: 60, burst: 2 }, 0);
    expect([b.take(0), b.take(0)]).toEqual([0, 0]);
    expect(b.take(0)).toBe(1000);
    expect(b.take(400)).toBe(600);
    expect(b.take(1000)).toBe(0);
    expect(b.take(1000)).toBe(1000);
    expect(b.take(10_000_000)).toBe(0); // refill is capped at the burst
    expect(b.take(10_000_000)).toBe(0);
    expect(b.take(10_000_000)).toBeGreaterThan(0);
  });
});

describe('delivery ledger', () => {
  it('delivers once per key within the TTL, joins concurrent attempts, forgets failures', async () => {
    const l = new DeliveryLedger(1000);
    let calls = 0;
    const ok = async () => (calls++, { id: `r${calls}` });
    const [a, b] = await Promise.all([l.once('k', () => 0, ok), l.once('k', () => 0, ok)]);
    expect(calls).toBe(1);
    expect([a.duplicate, b.duplicate]).toEqual([false, true]);
    expect((await l.once('k', () => 500, ok)).result.id).toBe('r1');
    expect((await l.once('k', () => 2000, ok)).result.id).toBe('r2'); // TTL passed
    await expect(l.once('f', () => 0, async () => { throw new Error('x'); })).rejects.toThrow('x');
    expect((await l.once('f', () => 0, ok)).duplicate).toBe(false);
  });
});

describe('secrets', () => {
  it('requireSecret takes options first, then the environment, and names both when missing', () => {
    const spec = { plugin: 'sms', option: 'authToken', env: 'SATCAST_TWILIO_AUTH_TOKEN' };
    expect(requireSecret('from-options', spec, { SATCAST_TWILIO_AUTH_TOKEN: 'from-env' })).toBe('from-options');
    expect(requireSecret(undefined, spec, { SATCAST_TWILIO_AUTH_TOKEN: 'from-env' })).toBe('from-env');
    const err = (() => { try { requireSecret(undefined, spec, {}); } catch (e) { return e; } })() as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toBe('[satcast] [sms] missing option "authToken" (or environment variable SATCAST_TWILIO_AUTH_TOKEN)');
    expect(err.field).toBe('authToken');
    expect(() => requireSecret('abc', { ...spec, minLength: 8 }, {})).toThrow(/too short/);
  });

  it('redact removes raw and URL-encoded secrets', () => {
    expect(redact('token a/b+c and a%2Fb%2Bc', ['a/b+c'])).toBe('token [redacted] and [redacted]');
    expect(redact('abc', ['ab'])).toBe('abc'); // too short to redact safely
  });
});

describe('createChannel', () => {
  const SECRET = 'sk_live_0123456789';
  const mk = (deliver: () => Promise<{ id?: string }>, now = () => 0, rate = { perMinute: 60, burst: 100 }) => {
    const cap = capturingLogger();
    const ch = createChannel({ plugin: 'test', ctx: createPluginContext({ log: cap.log, now }), rateLimit: rate, secrets: [SECRET], deliver });
    return { ch, cap };
  };

  it('suppresses a second delivery of the same alert and status; a resolve is a new delivery', async () => {
    let n = 0;
    const { ch } = mk(async () => ({ id: `m${++n}` }));
    expect(await ch.send(sa())).toEqual({ id: 'm1' });
    expect(await ch.send(sa())).toEqual({ id: 'm1', duplicate: true });
    expect(await ch.send(sa({ status: 'resolved' }))).toEqual({ id: 'm2' });
    expect(n).toBe(2);
    expect((await ch.health()).duplicatesSuppressed).toBe(1);
  });

  it('over the rate limit: a retryable RateLimitedError with the wait, nothing sent', async () => {
    let n = 0;
    const { ch } = mk(async () => ({ id: String(++n) }), () => 0, { perMinute: 6, burst: 1 });
    await ch.send(sa({ id: 'a' }));
    const err = await ch.send(sa({ id: 'b' })).catch((e) => e);
    expect(err).toBeInstanceOf(RateLimitedError);
    expect(err).toMatchObject({ retryable: true, retryAfterMs: 10_000 });
    expect(n).toBe(1);
  });

  it('errors and logs never carry secrets; health reports failures and the last error', async () => {
    const { ch, cap } = mk(async () => { throw new UnavailableError(`upstream said: bad key ${SECRET}`); });
    for (let i = 0; i < 3; i++) {
      const err = (await ch.send(sa({ id: `x${i}` })).catch((e) => e)) as Error;
      expect(err.message).toContain('[redacted]');
      expect(`${String(err)} ${JSON.stringify(err)}`).not.toContain(SECRET);
    }
    expect(cap.lines.length).toBeGreaterThan(0);
    expect(cap.lines.join('\n')).not.toContain(SECRET);
    const h = await ch.health();
    expect(h).toMatchObject({ ok: false, checked: 'local', failed: 3, consecutiveFailures: 3 });
    expect(h.lastError).not.toContain(SECRET);
  });

  it('health runs the remote probe and reports its failure without secrets', async () => {
    const ch = createChannel({ plugin: 't', ctx: createPluginContext(), rateLimit: { perMinute: 1, burst: 1 }, secrets: [SECRET], deliver: async () => ({}), probe: async () => { throw new Error(`401 for ${SECRET}`); } });
    expect(await ch.health()).toMatchObject({ ok: false, checked: 'remote', detail: '401 for [redacted]' });
  });
});

describe('httpOnce / throwForStatus against a local receiver', () => {
  const rx = new FakeHttpReceiver({ accept: () => ({ status: 200, body: 'ok' }), slowMs: 400, retryAfter: '7' });
  const ready = rx.start();
  afterAll(() => rx.close());
  // Generous timeout except in the slow case, so a loaded machine cannot turn a 200 into a timeout.
  const a = { plugin: 'p', target: 'Receiver', timeoutMs: 2000 };
  const ctx = createPluginContext();

  it('classifies 2xx, 5xx, 4xx, 429 (Retry-After) and timeouts', async () => {
    await ready;
    expect((await httpOnce(ctx, rx.url, { method: 'POST', body: 'x' }, a)).status).toBe(200);
    rx.fail(1, 'transient');
    const s5 = await httpOnce(ctx, rx.url, { method: 'POST' }, a);
    expect(() => throwForStatus(s5, a, 0)).toThrow(expect.objectContaining({ retryable: true, message: '[satcast] [p] Receiver answered 503: service unavailable' }));
    rx.fail(1, 'permanent');
    const s4 = await httpOnce(ctx, rx.url, { method: 'POST' }, a);
    expect(() => throwForStatus(s4, a, 0, 'check the URL')).toThrow(expect.objectContaining({ retryable: false, message: '[satcast] [p] Receiver refused the alert with 400: invalid_payload; check the URL' }));
    rx.fail(1, 'limited');
    const s429 = await httpOnce(ctx, rx.url, { method: 'POST' }, a);
    expect(() => throwForStatus(s429, a, 0)).toThrow(expect.objectContaining({ retryable: true, retryAfterMs: 7000 }));
    rx.fail(1, 'slow');
    await expect(httpOnce(ctx, rx.url, { method: 'POST' }, { ...a, timeoutMs: 150 })).rejects.toMatchObject({ retryable: true, message: '[satcast] [p] no answer from Receiver within 150 ms' });
  });

  it('a receiver that is down is a retryable error naming the target, not the URL', async () => {
    const url = `${await deadUrl()}/secret-path-token`;
    const err = await httpOnce(ctx, url, { method: 'POST' }, a).catch((e) => e);
    expect(err).toMatchObject({ retryable: true, message: '[satcast] [p] cannot reach Receiver (ECONNREFUSED)' });
    expect(String(err)).not.toContain('secret-path-token');
  });
});
