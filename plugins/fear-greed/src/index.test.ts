import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDataSource } from '@satcast/core/testing';
import { ConfigError, createPluginContext, FNG_LAG_MS, PluginError, UnavailableError, type DataSource } from '@satcast/core';
import { loadDailyColumn, readBundledText } from '@satcast/data';
import fearGreed, { parseFng } from './index.js';
import { startFakeServer, type FakeReply, type FakeServer } from '@satcast/source-kit/testing';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/alternative_me_fng.json', import.meta.url), 'utf8'));

// The bundled history, served by the fake API in the recorded payload shape (strings, newest first, seconds).
const history = readBundledText('fear_greed_daily.csv.gz')
  .split('\n')
  .slice(1)
  .filter(Boolean)
  .map((l) => l.split(','))
  .map(([ts, value, classification]) => ({ ts: Number(ts), value: value!, classification: classification! }));

function fngPayload(now: number, limit: number, extra: unknown[] = []) {
  const rows = history.filter((r) => r.ts <= now).reverse();
  const picked = limit === 0 ? rows : rows.slice(0, limit);
  const data = picked.map((r, i) => ({
    value: r.value,
    value_classification: r.classification,
    timestamp: String(r.ts / 1000),
    ...(i === 0 ? { time_until_update: '3600' } : {}),
  }));
  return { name: 'Fear and Greed Index', data: [...extra, ...data], metadata: { error: null } };
}

const NOW = Date.UTC(2024, 2, 10, 12);
const range = { from: Date.UTC(2024, 0, 1), to: Date.UTC(2024, 2, 1) };
const fast = { timeoutMs: 2000, maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 5 };

let server: FakeServer;
let reply: (url: URL, n: number) => FakeReply = (url) => ({ body: fngPayload(NOW, Number(url.searchParams.get('limit'))) });
beforeAll(async () => {
  server = await startFakeServer((req, n) => reply(req.url, n));
});
afterAll(() => server.close());

const make = async (options: Record<string, unknown>, now = NOW): Promise<DataSource> =>
  fearGreed.create(fearGreed.optionsSchema.parse({ baseUrl: server.url, http: fast, ...options }), createPluginContext({ now: () => now }));

testDataSource({
  plugin: fearGreed,
  get options() {
    return { baseUrl: server.url, http: fast };
  },
  ctx: { now: () => NOW },
  range,
  invalidOptions: [{ mode: 'cloud' }, { baseUrl: 'not a url' }, { http: { maxAttempts: 0 } }, { latestDays: 0 }, { extra: 1 }],
  additionalTests: (get) => {
    it('live values, labels and availableAt match the bundled file (lag 0: public at 00:00 UTC of the day)', async () => {
      const batch = await get().source.fetchRange(range);
      const want = loadDailyColumn('fear_greed_daily.csv.gz', 'value').filter((r) => r.ts >= range.from && r.ts < range.to);
      expect(batch.observations!.map((o) => [o.eventTime, o.value])).toEqual(want.map((r) => [r.ts, r.value]));
      for (const o of batch.observations!) {
        expect(o.availableAt).toBe(o.eventTime + FNG_LAG_MS);
        expect(o.source).toBe('fear-greed');
        expect(typeof o.attrs!.classification).toBe('string');
      }
      expect(server.requests.at(-1)!.url.pathname).toBe('/fng/');
      expect(server.requests.at(-1)!.url.searchParams.get('format')).toBe('json');
    });
  },
});

describe('fear-greed: payloads', () => {
  it('parses the recorded alternative.me response', () => {
    const c = parseFng(fixture);
    expect(c.map((x) => x.record)).toEqual([
      { source: 'fear-greed', series: 'fng', eventTime: 1772150400000, availableAt: 1772150400000, value: 13, attrs: { classification: 'Extreme Fear' }, schemaVersion: 1 },
      expect.objectContaining({ eventTime: 1772064000000, value: 11 }),
      expect.objectContaining({ eventTime: 1771977600000, value: 11 }),
    ]);
  });

  it('quarantines garbage rows with a reason and the raw row; keeps the good ones', async () => {
    const d = (day: number) => String((Date.UTC(2024, 2, day)) / 1000);
    const garbage = [
      { value: 'abc', value_classification: 'Fear', timestamp: d(9) },
      { value: '140', value_classification: 'Greed', timestamp: d(8) },
      { value: '50', value_classification: 'Neutral', timestamp: String(Date.UTC(2024, 2, 7, 5) / 1000) },
      { value_classification: 'Fear', timestamp: d(6) },
      { value: '50', value_classification: 'Neutral', timestamp: d(20) },
    ];
    reply = (url) => ({ body: fngPayload(NOW, Number(url.searchParams.get('limit')), garbage) });
    try {
      const src = await make({});
      const b = await src.fetchRange({ from: Date.UTC(2024, 2, 1), to: Date.UTC(2024, 3, 1) });
      const reasons = b.rejected!.map((r) => r.reason);
      expect(reasons).toEqual([
        expect.stringMatching(/^value: expected an integer string/),
        'value 140 outside 0..100',
        expect.stringMatching(/is not 00:00 UTC/),
        expect.stringMatching(/^value: /),
        expect.stringMatching(/fng: eventTime .* is in the future/),
      ]);
      expect(b.rejected![0]!.payload).toEqual(garbage[0]);
      expect(b.rejected!.every((r) => r.source === 'fear-greed')).toBe(true);
      // Real days 2024-03-01 .. 03-10 still come through, each once.
      expect(b.observations!.map((o) => o.eventTime)).toEqual(Array.from({ length: 10 }, (_, i) => Date.UTC(2024, 2, 1 + i)));
    } finally {
      reply = (url) => ({ body: fngPayload(NOW, Number(url.searchParams.get('limit'))) });
    }
  });

  it('a broken envelope or an API error is a PluginError', async () => {
    expect(() => parseFng({ nope: 1 })).toThrow(PluginError);
    expect(() => parseFng({ data: [], metadata: { error: 'Limit must be numeric' } })).toThrow(/Limit must be numeric/);
  });
});

describe('fear-greed: resilience', () => {
  const withReplies = async (replies: FakeReply[], opts: Record<string, unknown> = {}) => {
    const before = server.requests.length;
    let k = 0;
    reply = (url) => replies[k++] ?? { body: fngPayload(NOW, Number(url.searchParams.get('limit'))) };
    try {
      const src = await make(opts);
      const res = await src.fetchRange({ from: Date.UTC(2024, 2, 1), to: Date.UTC(2024, 2, 5) }).then(
        (b) => ({ ok: true as const, b }),
        (e: unknown) => ({ ok: false as const, e }),
      );
      return { res, requests: server.requests.length - before, src };
    } finally {
      reply = (url) => ({ body: fngPayload(NOW, Number(url.searchParams.get('limit'))) });
    }
  };

  it('retries 429 (honouring Retry-After) and 5xx, then succeeds', async () => {
    const { res, requests, src } = await withReplies([{ status: 429, headers: { 'retry-after': '0' }, body: {} }, { status: 503, body: 'busy' }]);
    expect(res.ok && res.b.observations!.length).toBe(4);
    expect(requests).toBe(3);
    expect((src as unknown as { health(): { retries: number; rateLimited: number } }).health()).toMatchObject({ retries: 2, rateLimited: 1 });
  });

  it('gives up after maxAttempts with a retryable UnavailableError; a 400 is not retried', async () => {
    const down = await withReplies([{ status: 502 }, { status: 502 }, { status: 502 }]);
    expect(!down.res.ok && down.res.e).toBeInstanceOf(UnavailableError);
    expect(down.requests).toBe(3);
    const bad = await withReplies([{ status: 400, body: { error: 'bad limit' } }]);
    expect(!bad.res.ok && bad.res.e).toBeInstanceOf(PluginError);
    expect(bad.requests).toBe(1);
  });

  it('times out a hung request and retries it', async () => {
    const { res, requests } = await withReplies([{ delayMs: 500, body: {} }], { http: { ...fast, timeoutMs: 50 } });
    expect(res.ok ? 'ok' : String(res.e)).toBe('ok');
    expect(requests).toBe(2);
  });

  it('opens the circuit after consecutive failures and stops calling the provider', async () => {
    reply = () => ({ status: 500 });
    try {
      const src = await make({ http: { ...fast, maxAttempts: 1, breakerThreshold: 2, breakerHalfOpenMs: 60_000 } });
      const r = { from: Date.UTC(2024, 2, 1), to: Date.UTC(2024, 2, 2) };
      await expect(src.fetchRange(r)).rejects.toThrow(/HTTP 500/);
      await expect(src.fetchRange(r)).rejects.toThrow(/HTTP 500/);
      const before = server.requests.length;
      await expect(src.fetchRange(r)).rejects.toThrow(/circuit open/);
      expect(server.requests.length).toBe(before);
      expect((src as unknown as { health(): { breaker: string } }).health().breaker).toBe('open');
    } finally {
      reply = (url) => ({ body: fngPayload(NOW, Number(url.searchParams.get('limit'))) });
    }
  });
});

describe('fear-greed: offline and hybrid', () => {
  const noNetwork = (() => {
    throw new ConfigError('network used in offline mode');
  }) as unknown as typeof fetch;

  it('offline backfill equals the bundled file, without touching the network', async () => {
    const src = await fearGreed.create(fearGreed.optionsSchema.parse({ mode: 'offline' }), createPluginContext({ fetch: noNetwork }));
    const b = await src.fetchRange({ from: 0, to: Date.UTC(2030, 0, 1) });
    const want = loadDailyColumn('fear_greed_daily.csv.gz', 'value');
    expect(b.observations!.map((o) => [o.eventTime, o.value])).toEqual(want.map((r) => [r.ts, r.value]));
    expect(b.observations).toHaveLength(2703);
    expect(b.rejected).toBeUndefined();
    expect(b.observations![0]!.attrs!.classification).toBe('Fear');
  });

  it('under a simulated clock nothing is emitted before its publication', async () => {
    const now = Date.UTC(2024, 5, 15, 0) - 1; // one ms before the 2024-06-15 index is published
    const src = await fearGreed.create(fearGreed.optionsSchema.parse({ mode: 'offline' }), createPluginContext({ now: () => now, fetch: noNetwork }));
    const latest = await src.fetchLatest!();
    expect(latest.observations!.every((o) => o.availableAt <= now)).toBe(true);
    expect(latest.observations!.at(-1)!.eventTime).toBe(Date.UTC(2024, 5, 14));
    const later = await fearGreed.create(fearGreed.optionsSchema.parse({ mode: 'offline' }), createPluginContext({ now: () => now + 1, fetch: noNetwork }));
    expect((await later.fetchLatest!()).observations!.at(-1)!.eventTime).toBe(Date.UTC(2024, 5, 15));
  });

  it('hybrid: bundled days up to 2025-06-30, live days after, in one ascending batch', async () => {
    const now = Date.UTC(2025, 6, 5, 1);
    const live = [1, 2, 3, 4, 5].map((d, i) => ({ value: String(60 + i), value_classification: 'Greed', timestamp: String(Date.UTC(2025, 6, d) / 1000) })).reverse();
    reply = () => ({ body: { name: 'Fear and Greed Index', data: live, metadata: { error: null } } });
    try {
      const before = server.requests.length;
      const src = await make({ mode: 'hybrid' }, now);
      const b = await src.fetchRange({ from: Date.UTC(2025, 5, 28), to: now });
      expect(b.observations!.map((o) => new Date(o.eventTime).toISOString().slice(0, 10))).toEqual([
        '2025-06-28', '2025-06-29', '2025-06-30', '2025-07-01', '2025-07-02', '2025-07-03', '2025-07-04', '2025-07-05',
      ]);
      expect(b.observations!.slice(0, 3).map((o) => o.value)).toEqual(loadDailyColumn('fear_greed_daily.csv.gz', 'value').slice(-3).map((r) => r.value));
      expect(b.observations!.slice(3).map((o) => o.value)).toEqual([60, 61, 62, 63, 64]);
      expect(server.requests.length - before).toBe(1);
      // A range entirely inside the bundled history needs no request.
      await src.fetchRange({ from: Date.UTC(2024, 0, 1), to: Date.UTC(2024, 1, 1) });
      expect(server.requests.length - before).toBe(1);
    } finally {
      reply = (url) => ({ body: fngPayload(NOW, Number(url.searchParams.get('limit'))) });
    }
  });

  it('fetchLatest (live) asks for a few days and returns the newest published ones', async () => {
    const src = await make({ latestDays: 3 });
    const b = await src.fetchLatest!();
    expect(b.observations!.map((o) => o.eventTime)).toEqual([7, 8, 9, 10].map((d) => Date.UTC(2024, 2, d)));
    expect(Number(server.requests.at(-1)!.url.searchParams.get('limit'))).toBeGreaterThanOrEqual(4);
    expect(b.observations!.every((o) => o.availableAt <= NOW)).toBe(true);
  });
});
