/**
 * The client on its own, against the fake provider. The four source plugins keep their end-to-end cases
 * (a 429 + 503 retried, 502 x3 giving up, 400 not retried, a hung request retried, the circuit opening);
 * these cases pin what those cannot see from outside: the delays chosen, the status mapping, redaction,
 * the half-open probe and the counters.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, createPluginContext, PluginError, UnavailableError, type Logger } from '@satcast/core';
import { createHttpClient, HttpOptionsSchema, redactUrl, type HttpOptions } from './index.js';
import { startFakeServer, type FakeReply, type FakeServer } from './testing.js';

const NOW = Date.UTC(2024, 2, 10, 12);

let server: FakeServer;
let replies: FakeReply[] = [];
beforeAll(async () => {
  server = await startFakeServer(() => replies.shift() ?? { body: { ok: true } });
});
afterAll(() => server.close());

/** A client whose log lines are kept, so the retry delays it chose can be read back (never timed). */
function client(http: Partial<HttpOptions>, auth: { authField?: string } = {}) {
  const warnings: string[] = [];
  const log: Logger = { debug() {}, info() {}, error() {}, warn: (m) => void warnings.push(m) };
  const c = createHttpClient('kit-test', createPluginContext({ now: () => NOW, log }), HttpOptionsSchema.parse(http), auth);
  const delays = () => warnings.map((w) => Number(/^retry \d+ in (\d+) ms$/.exec(w)?.[1]));
  return { c, delays, warnings };
}

/** Run one GET against the fake provider with these replies queued; count the requests it made. */
async function get(c: ReturnType<typeof createHttpClient>, queued: FakeReply[], path = '/x?api_key=s3cret&limit=3') {
  replies = [...queued];
  const before = server.requests.length;
  const res = await c.getJson(new URL(path, server.url)).then(
    (body) => ({ ok: true as const, body }),
    (e: unknown) => ({ ok: false as const, e: e as Error }),
  );
  replies = [];
  return { res, requests: server.requests.length - before };
}

describe('source-kit http: backoff and Retry-After', () => {
  it('backs off exponentially with jitter in [50 %, 100 %] of initialDelayMs * 2^n, capped by maxDelayMs', async () => {
    const { c, delays } = client({ maxAttempts: 5, initialDelayMs: 4, maxDelayMs: 10 });
    const { res, requests } = await get(c, [{ status: 503 }, { status: 503 }, { status: 503 }, { status: 503 }]);
    expect(res).toEqual({ ok: true, body: { ok: true } });
    expect(requests).toBe(5);
    const [d1, d2, d3, d4] = delays();
    expect(d1).toBeGreaterThanOrEqual(2);
    expect(d1).toBeLessThanOrEqual(4);
    expect(d2).toBeGreaterThanOrEqual(4);
    expect(d2).toBeLessThanOrEqual(8);
    // 16 and 32 are capped to 10 before jitter.
    for (const d of [d3, d4]) {
      expect(d).toBeGreaterThanOrEqual(5);
      expect(d).toBeLessThanOrEqual(10);
    }
  });

  it("a 429's Retry-After (seconds or HTTP date) replaces the backoff guess, capped by maxDelayMs", async () => {
    const { c, delays } = client({ initialDelayMs: 0, maxDelayMs: 40 });
    const date = new Date(NOW + 30_000).toUTCString(); // 30 s after ctx.now(), capped to 40 ms
    const { res } = await get(c, [
      { status: 429, headers: { 'retry-after': '0.02' } },
      { status: 429, headers: { 'retry-after': date } },
      { status: 429, headers: { 'retry-after': 'soon' } },
    ]);
    expect(res.ok).toBe(true);
    // 20 ms from the header; 40 (cap) from the date; an unreadable header falls back to backoff (0 here).
    expect(delays()).toEqual([20, 40, 0]);
    expect(c.stats()).toMatchObject({ requests: 4, retries: 3, rateLimited: 3, failures: 0, lastSuccessAt: NOW, lastError: null });
  });
});

describe('source-kit http: status mapping and redaction', () => {
  it('401/403 with an authField is a ConfigError naming it, not retried; the key never reaches the message', async () => {
    const { c, warnings } = client({ initialDelayMs: 0 }, { authField: 'apiKey' });
    const { res, requests } = await get(c, [{ status: 403, body: { error: 'bad key s3cret', url: '/x?api_key=s3cret' } }]);
    expect(!res.ok && res.e).toBeInstanceOf(ConfigError);
    expect(!res.ok && (res.e as ConfigError).field).toBe('apiKey');
    expect(!res.ok && res.e.message).toMatch(/\[kit-test\] option "apiKey" was refused by the provider \(HTTP 403\)/);
    expect(!res.ok && res.e.message).toContain('api_key=***');
    expect(!res.ok && res.e.message).not.toContain('api_key=s3cret');
    expect(requests).toBe(1);
    expect(warnings).toEqual([]);
  });

  it('without an authField a 401 is a non-retryable PluginError; so is a 200 that is not JSON', async () => {
    const { c } = client({ initialDelayMs: 0 });
    const denied = await get(c, [{ status: 401, body: {} }]);
    expect(!denied.res.ok && denied.res.e).toBeInstanceOf(PluginError);
    expect(!denied.res.ok && (denied.res.e as PluginError).retryable).toBe(false);
    expect(denied.requests).toBe(1);
    const html = await get(c, [{ body: '<html>maintenance</html>' }]);
    expect(!html.res.ok && html.res.e.message).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/x\?api_key=\*\*\*&limit=3: response is not JSON: <html>/);
    expect(html.requests).toBe(1);
  });

  it('a refused connection is a retryable UnavailableError after maxAttempts', async () => {
    const dead = await startFakeServer(() => ({}));
    await dead.close();
    const { c, delays } = client({ maxAttempts: 3, initialDelayMs: 0 });
    const err = (await c.getJson(new URL('/x?token=t0k', dead.url)).then(
      () => undefined,
      (e: unknown) => e,
    )) as UnavailableError;
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('token=***');
    expect(delays()).toHaveLength(2);
    expect(c.stats()).toMatchObject({ requests: 3, retries: 2, failures: 1, lastSuccessAt: null, lastError: err.message });
  });

  it('redactUrl hides every secret parameter spelling and keeps the rest', () => {
    expect(redactUrl('https://a.b/c?api_key=1&x=2&apikey=3&API-KEY=4&token=5&key=6#k')).toBe(
      'https://a.b/c?api_key=***&x=2&apikey=***&API-KEY=***&token=***&key=***#k',
    );
  });
});

describe('source-kit http: circuit breaker', () => {
  it('opens after breakerThreshold failed requests, probes once after breakerHalfOpenMs, closes on success', async () => {
    const { c } = client({ maxAttempts: 1, breakerThreshold: 2, breakerHalfOpenMs: 30 });
    expect((await get(c, [{ status: 500 }])).requests).toBe(1);
    expect(c.stats().breaker).toBe('closed');
    expect((await get(c, [{ status: 500 }])).requests).toBe(1);
    expect(c.stats().breaker).toBe('open');
    const shut = await get(c, []);
    expect(shut.requests).toBe(0);
    expect(!shut.res.ok && shut.res.e).toBeInstanceOf(UnavailableError);
    expect(!shut.res.ok && shut.res.e.message).toMatch(/circuit open after 2 consecutive failures; next probe within 30 ms/);
    // Wait past the half-open delay (a precondition, not a measurement): one probe goes out and succeeds.
    await new Promise((r) => setTimeout(r, 60));
    const probe = await get(c, []);
    expect(probe).toEqual({ res: { ok: true, body: { ok: true } }, requests: 1 });
    expect(c.stats()).toMatchObject({ breaker: 'closed', failures: 3, lastError: null, lastSuccessAt: NOW });
  });

  it('a failed probe opens the circuit again without a second request', async () => {
    const { c } = client({ maxAttempts: 1, breakerThreshold: 1, breakerHalfOpenMs: 30 });
    await get(c, [{ status: 502 }]);
    expect(c.stats().breaker).toBe('open');
    await new Promise((r) => setTimeout(r, 60));
    expect((await get(c, [{ status: 502 }])).requests).toBe(1);
    expect(c.stats().breaker).toBe('open');
    expect((await get(c, [])).requests).toBe(0);
  });
});
