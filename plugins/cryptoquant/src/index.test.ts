import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDataSource } from '@satcast/core/testing';
import { ConfigError, createPluginContext, DAY, HOUR, PluginError, type DataSource, type Logger } from '@satcast/core';
import cryptoquant, { CRYPTOQUANT_LAG_MS, METRICS, parseResponse } from './index.js';
import { startFakeServer, type FakeReply, type FakeServer } from '@satcast/source-kit/testing';

const KEY = 'cq-test-key-0123456789';
const recorded = JSON.parse(readFileSync(new URL('../fixtures/cryptoquant_stablecoin_exchange_flows_transactions_count.json', import.meta.url), 'utf8'));
type Metric = keyof typeof METRICS;

/** Deterministic synthetic values (nothing real is bundled for CryptoQuant): the point is the mapping. */
function valueOf(metric: Metric, t: number): number {
  const d = t / DAY;
  const base = { exchange_inflow_total: 30_000, exchange_outflow_total: 29_000, exchange_netflow_total: 0, exchange_reserve: 2_400_000, active_addresses: 800_000 }[metric];
  return base + ((d * 37) % 1000) - (metric === 'exchange_netflow_total' ? 500 : 0);
}
const fieldFor = (path: string) => Object.entries(METRICS).find(([, v]) => `/v1/${v.path}` === path)!;
const parseYmd = (s: string) => Date.UTC(+s.slice(0, 4), +s.slice(4, 6) - 1, +s.slice(6, 8));

function cqReply(url: URL, headers: Record<string, unknown>, now: number, tamper?: (rows: Record<string, unknown>[]) => void): FakeReply {
  if (headers.authorization !== `Bearer ${KEY}`) return { status: 401, body: { status: { code: 401, message: 'Unauthorized' } } };
  const [metric, spec] = fieldFor(url.pathname);
  const q = url.searchParams;
  const from = parseYmd(q.get('from')!);
  const to = Math.min(parseYmd(q.get('to')!), Math.floor(now / DAY) * DAY - DAY);
  const rows: Record<string, unknown>[] = [];
  for (let t = to; t >= from && rows.length < Number(q.get('limit')); t -= DAY) {
    rows.push({ date: new Date(t).toISOString().slice(0, 10), [spec.field]: valueOf(metric as Metric, t), extra_field: 1 });
  }
  tamper?.(rows);
  return { body: { status: { code: 200, message: 'success' }, result: { window: 'day', data: rows } } };
}

const NOW = Date.UTC(2024, 2, 10, 12);
const range = { from: Date.UTC(2024, 0, 1), to: Date.UTC(2024, 1, 1) };
const fast = { timeoutMs: 2000, maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 5 };
const normal = (url: URL, h: Record<string, unknown>) => cqReply(url, h, NOW);

let server: FakeServer;
let reply: (url: URL, h: Record<string, unknown>) => FakeReply = normal;
beforeAll(async () => {
  server = await startFakeServer((req) => reply(req.url, req.headers));
});
afterAll(() => server.close());

const make = async (options: Record<string, unknown>, now = NOW, log?: Logger): Promise<DataSource> =>
  cryptoquant.create(cryptoquant.optionsSchema.parse({ baseUrl: `${server.url}/v1`, apiKey: KEY, http: fast, ...options }), createPluginContext({ now: () => now, log }));

testDataSource({
  plugin: cryptoquant,
  get options() {
    return { baseUrl: `${server.url}/v1`, apiKey: KEY, http: fast, pageSize: 20 };
  },
  ctx: { now: () => NOW },
  range,
  invalidOptions: [{ metrics: ['sopr'] }, { exchange: 'Bin ance' }, { apiKey: 'x' }, { pageSize: 0 }, { extra: 1 }],
  additionalTests: (get) => {
    it('pages backwards (newest first) and maps each endpoint field to its series, each day once', async () => {
      const before = server.requests.length;
      const b = await get().source.fetchRange(range);
      const inflowReqs = server.requests.slice(before).filter((r) => r.url.pathname === '/v1/btc/exchange-flows/inflow');
      // 31 days + 60 warm-up days at 20 rows a page.
      expect(inflowReqs.map((r) => r.url.searchParams.get('to'))).toEqual(['20240131', '20240111', '20231222', '20231202', '20231112']);
      expect(inflowReqs[0]!.url.searchParams.get('exchange')).toBe('all_exchange');
      expect(inflowReqs[0]!.url.searchParams.get('window')).toBe('day');
      expect(inflowReqs[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
      for (const m of Object.keys(METRICS) as Metric[]) {
        const got = b.observations!.filter((o) => o.series === m);
        expect(got.map((o) => o.eventTime)).toEqual(Array.from({ length: 31 }, (_, i) => range.from + i * DAY));
        expect(got.every((o) => o.value === valueOf(m, o.eventTime) && o.availableAt === o.eventTime + CRYPTOQUANT_LAG_MS)).toBe(true);
      }
      expect(server.requests.slice(before).some((r) => r.url.pathname === '/v1/btc/network-data/addresses-count' && !r.url.searchParams.has('exchange'))).toBe(true);
    });
  },
});

describe('cryptoquant: payloads', () => {
  afterAll(() => {
    reply = normal;
  });

  it('parses the recorded CryptoQuant envelope (null = not available, not 0, not an error)', () => {
    const r = parseResponse(recorded, 'exchange_inflow_total');
    expect(r).toEqual({ candidates: [], rows: 2, oldest: Date.UTC(2019, 9, 1) });
  });

  it('quarantines garbage rows with reasons; an error envelope is a PluginError', async () => {
    reply = (u, h) =>
      cqReply(u, h, NOW, (rows) => {
        if (!u.pathname.endsWith('/inflow')) return;
        rows[1]!.inflow_total = 'abc';
        rows[2]!.date = '2024/03/07';
        rows[3]!.inflow_total = null;
        rows.unshift({ date: '2024-04-01', inflow_total: 5 });
      });
    const b = await (await make({ metrics: ['exchange_inflow_total'] })).fetchRange({ from: Date.UTC(2024, 2, 1), to: Date.UTC(2024, 3, 2) });
    expect(b.rejected!.map((r) => r.reason)).toEqual([
      // Rows are handled oldest first (the API sends newest first).
      'exchange_inflow_total: date: expected YYYY-MM-DD',
      'exchange_inflow_total: inflow_total "abc" is not a finite number',
      expect.stringMatching(/exchange_inflow_total: eventTime .* is in the future/),
    ]);
    expect(b.observations!.map((o) => new Date(o.eventTime).getUTCDate())).toEqual([1, 2, 3, 4, 5, 9]);
    expect(() => parseResponse({ status: { code: 400, message: 'invalid window' }, result: { window: 'day', data: [] } }, 'exchange_reserve')).toThrow(PluginError);
    expect(() => parseResponse({ nope: true }, 'exchange_reserve')).toThrow(/unexpected btc\/exchange-flows\/reserve payload/);
  });

  it('retries 429 and 5xx', async () => {
    let k = 0;
    reply = (u, h) => (k++ < 2 ? [{ status: 429, headers: { 'retry-after': '0' } }, { status: 500 }][k - 1]! : normal(u, h));
    const b = await (await make({ metrics: ['exchange_reserve'] })).fetchRange({ from: Date.UTC(2024, 2, 1), to: Date.UTC(2024, 2, 5) });
    expect(b.observations!.map((o) => o.value)).toEqual([1, 2, 3, 4].map((d) => valueOf('exchange_reserve', Date.UTC(2024, 2, d))));
    expect(k).toBe(3);
  });
});

describe('cryptoquant: keys', () => {
  it('a missing key is a ConfigError naming plugin and option', async () => {
    const err = await Promise.resolve(cryptoquant.create(cryptoquant.optionsSchema.parse({}), createPluginContext())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/^\[satcast\] \[cryptoquant\] missing option "apiKey"/);
  });

  it('a refused key is a ConfigError naming apiKey; the key is never in a message or a log line', async () => {
    const logged: string[] = [];
    const log: Logger = { debug: () => {}, info: () => {}, warn: (m, d) => logged.push(m + JSON.stringify(d ?? {})), error: (m, d) => logged.push(m + JSON.stringify(d ?? {})) };
    const wrong = 'cq-wrong-key-secret-999';
    let k = 0;
    reply = (u, h) => (k++ === 0 ? { status: 503, body: `echo ${String(h.authorization)}`.replace(wrong, 'REDACTED-BY-SERVER') } : normal(u, h));
    try {
      const err = await (await make({ apiKey: wrong, metrics: ['active_addresses'] }, NOW, log)).fetchRange(range).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).field).toBe('apiKey');
      expect((err as Error).message).toMatch(/option "apiKey" was refused by the provider \(HTTP 401\)/);
      expect(logged.length).toBeGreaterThan(0);
      for (const s of [...logged, (err as Error).message]) expect(s).not.toContain(wrong);
    } finally {
      reply = normal;
    }
  });
});

describe('cryptoquant: offline (recordings) and publication time', () => {
  const noNetwork = (() => {
    throw new Error('network used in offline mode');
  }) as unknown as typeof fetch;
  const dir = mkdtempSync(join(tmpdir(), 'satcast-cq-'));
  const file = join(dir, 'recordings.json');
  const days = Array.from({ length: 40 }, (_, i) => Date.UTC(2024, 0, 1) + i * DAY);
  const rec = (m: Metric) => ({
    status: { code: 200, message: 'success' },
    result: { window: 'day', data: [...days].reverse().map((t) => ({ date: new Date(t).toISOString().slice(0, 10), [METRICS[m].field]: valueOf(m, t) })) },
  });
  writeFileSync(file, JSON.stringify({ exchange_inflow_total: rec('exchange_inflow_total'), exchange_reserve: rec('exchange_reserve') }));

  it('offline mode needs recordings and replays them exactly, without network', async () => {
    await expect(cryptoquant.create(cryptoquant.optionsSchema.parse({ mode: 'offline' }), createPluginContext())).rejects.toThrow(/needs option "recordings"/);
    const src = await cryptoquant.create(
      cryptoquant.optionsSchema.parse({ mode: 'offline', recordings: file, metrics: ['exchange_inflow_total', 'exchange_reserve'] }),
      createPluginContext({ fetch: noNetwork }),
    );
    const b = await src.fetchRange({ from: 0, to: Date.UTC(2030, 0, 1) });
    expect(b.observations!.filter((o) => o.series === 'exchange_reserve').map((o) => [o.eventTime, o.value])).toEqual(days.map((t) => [t, valueOf('exchange_reserve', t)]));
    expect(b.observations).toHaveLength(80);
  });

  it('a day is not emitted before eventTime + 30 h', async () => {
    const day = days[20]!;
    const at = async (now: number) => {
      const src = await cryptoquant.create(cryptoquant.optionsSchema.parse({ mode: 'offline', recordings: file, metrics: ['exchange_reserve'] }), createPluginContext({ now: () => now, fetch: noNetwork }));
      return (await src.fetchLatest!()).observations!.map((o) => o.eventTime).at(-1);
    };
    expect(await at(day + 30 * HOUR - 1)).toBe(day - DAY);
    expect(await at(day + 30 * HOUR)).toBe(day);
  });
});
