import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDataSource } from '@satcast/core/testing';
import { COINMETRICS_LAG_MS, ConfigError, createPluginContext, DAY, HOUR, PluginError, type DataSource, type Logger } from '@satcast/core';
import { loadDailyColumn, readBundledText } from '@satcast/data';
import coinmetrics, { METRICS } from './index.js';
import { startFakeServer, type FakeReply, type FakeServer } from '@satcast/source-kit/testing';

// The bundled file served by a fake API v4 in its payload shape: string values, absent when empty, paged.
const lines = readBundledText('btc_onchain_daily.csv.gz').split('\n').filter(Boolean);
const header = lines[0]!.split(',');
const rows = lines.slice(1).map((l) => l.split(','));

function pageFor(url: URL, now: number, tamper?: (row: Record<string, unknown>, i: number) => void): FakeReply {
  const q = url.searchParams;
  const start = Date.parse(q.get('start_time')!);
  const end = Date.parse(q.get('end_time')!);
  const metrics = q.get('metrics')!.split(',');
  const size = Number(q.get('page_size'));
  const offset = q.get('next_page_token') ? Number(Buffer.from(q.get('next_page_token')!, 'base64url').toString()) : 0;
  const inRange = rows.filter((r) => +r[0]! >= start && +r[0]! < end && +r[0]! + COINMETRICS_LAG_MS <= now + DAY);
  const data = inRange.slice(offset, offset + size).map((r, i) => {
    const o: Record<string, unknown> = { asset: 'btc', time: new Date(+r[0]!).toISOString().replace('.000Z', '.000000000Z') };
    for (const m of metrics) {
      const v = r[header.indexOf(m)];
      if (v !== undefined && v !== '') o[m] = v;
    }
    tamper?.(o, offset + i);
    return o;
  });
  const more = offset + size < inRange.length;
  return { body: { data, ...(more ? { next_page_token: Buffer.from(String(offset + size)).toString('base64url'), next_page_url: 'https://x/…' } : {}) } };
}

const NOW = Date.UTC(2024, 2, 10, 12);
const range = { from: Date.UTC(2024, 0, 1), to: Date.UTC(2024, 1, 1) };
const fast = { timeoutMs: 2000, maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 5 };
const normal = (url: URL) => pageFor(url, NOW);

let server: FakeServer;
let reply: (url: URL, n: number) => FakeReply = normal;
beforeAll(async () => {
  server = await startFakeServer((req, n) => reply(req.url, n));
});
afterAll(() => server.close());

const make = async (options: Record<string, unknown>, now = NOW, log?: Logger): Promise<DataSource> =>
  coinmetrics.create(coinmetrics.optionsSchema.parse({ baseUrl: `${server.url}/v4`, http: fast, pageSize: 10, ...options }), createPluginContext({ now: () => now, log }));

testDataSource({
  plugin: coinmetrics,
  get options() {
    return { baseUrl: `${server.url}/v4`, http: fast, pageSize: 7 };
  },
  ctx: { now: () => NOW },
  range,
  invalidOptions: [{ metrics: ['NotAMetric'] }, { metrics: [] }, { pageSize: 20_000 }, { baseUrl: 'nope' }, { apiKey: '' }, { extra: 1 }],
  additionalTests: (get) => {
    it('pages through next_page_token and returns the bundled values with availableAt = eventTime + 30 h', async () => {
      const before = server.requests.length;
      const b = await get().source.fetchRange(range);
      const reqs = server.requests.slice(before);
      // 31 + 60 warm-up days, 7 rows a page.
      expect(reqs.length).toBe(Math.ceil(91 / 7));
      expect(reqs[0]!.url.searchParams.get('next_page_token')).toBeNull();
      expect(reqs[1]!.url.searchParams.get('next_page_token')).not.toBeNull();
      expect(reqs[0]!.url.searchParams.get('frequency')).toBe('1d');
      for (const m of ['AdrActCnt', 'HashRate', 'CapMVRVCur', 'FlowInExNtv', 'volume_reported_spot_usd_1d']) {
        const want = loadDailyColumn('btc_onchain_daily.csv.gz', m).filter((r) => r.ts >= range.from && r.ts < range.to);
        const got = b.observations!.filter((o) => o.series === m);
        expect(got.map((o) => [o.eventTime, o.value])).toEqual(want.map((r) => [r.ts, r.value]));
      }
      expect(b.observations!.every((o) => o.availableAt === o.eventTime + COINMETRICS_LAG_MS)).toBe(true);
      expect(b.observations).toHaveLength(31 * 24);
    });
  },
});

describe('coinmetrics: series names', () => {
  it('emits every metric the onchain feature set reads (read from its source, not imported)', () => {
    const src = readFileSync(new URL('../../onchain/src/index.ts', import.meta.url), 'utf8');
    const block = /export const METRICS = \[([\s\S]*?)\] as const/.exec(src)![1]!;
    const onchain = [...block.matchAll(/'([^']+)'/g)].map((m) => m[1]!);
    expect(onchain.length).toBeGreaterThanOrEqual(11);
    const declared = coinmetrics.series(coinmetrics.optionsSchema.parse({})).map((s) => (s.kind === 'observations' ? s.series : ''));
    for (const m of onchain) expect(declared).toContain(m);
    expect(METRICS).toEqual(header.slice(1));
  });
});

describe('coinmetrics: bad payloads and errors', () => {
  afterAll(() => {
    reply = normal;
  });
  const r = { from: Date.UTC(2024, 1, 1), to: Date.UTC(2024, 1, 11) };

  it('quarantines garbage rows and values with reasons; keeps the rest', async () => {
    reply = (url) =>
      pageFor(url, NOW, (row, i) => {
        if (row.time === '2024-02-03T00:00:00.000000000Z') row.AdrActCnt = 'abc';
        if (row.time === '2024-02-04T00:00:00.000000000Z') row.time = 'yesterday';
        if (row.time === '2024-02-05T00:00:00.000000000Z') row.time = '2024-02-05T06:00:00.000000000Z';
        if (row.time === '2024-02-06T00:00:00.000000000Z') row.TxCnt = null;
        void i;
      });
    const b = await (await make({ metrics: ['AdrActCnt', 'TxCnt'] })).fetchRange(r);
    expect(b.rejected!.map((x) => x.reason)).toEqual([
      'AdrActCnt: not a finite number ("abc")',
      'time: not a timestamp ("yesterday")',
      'time 2024-02-05T06:00:00.000000000Z is not 00:00 UTC (off the daily grid)',
    ]);
    expect((b.rejected![0]!.payload as { time: string }).time).toBe('2024-02-03T00:00:00.000000000Z');
    const days = (m: string) => b.observations!.filter((o) => o.series === m).map((o) => new Date(o.eventTime).getUTCDate());
    expect(days('AdrActCnt')).toEqual([1, 2, 6, 7, 8, 9, 10]);
    expect(days('TxCnt')).toEqual([1, 2, 3, 7, 8, 9, 10]); // null on the 6th = not available, not 0
  });

  it('retries a 429 and a 503 in the middle of the pagination without losing or repeating pages', async () => {
    let k = 0;
    reply = (url) => {
      if (url.searchParams.get('next_page_token') && k < 2) return [{ status: 429, headers: { 'retry-after': '0' } }, { status: 503 }][k++]!;
      return pageFor(url, NOW);
    };
    const b = await (await make({ metrics: ['HashRate'] })).fetchRange(r);
    expect(b.observations!.map((o) => new Date(o.eventTime).getUTCDate())).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(k).toBe(2);
  });

  it('stops a pagination loop', async () => {
    reply = (url) => ({ body: { ...(pageFor(url, NOW).body as object), next_page_token: 'same' } });
    await expect((await make({ metrics: ['HashRate'] })).fetchRange(r)).rejects.toThrow(/next_page_token repeated/);
  });

  it('a refused key is a ConfigError naming apiKey, and the key never reaches a message or a log line', async () => {
    const secret = 'sk-super-secret-123';
    const logged: string[] = [];
    const log: Logger = { debug: () => {}, info: () => {}, warn: (m, d) => logged.push(m + JSON.stringify(d ?? {})), error: (m, d) => logged.push(m + JSON.stringify(d ?? {})) };
    let seenKey = '';
    let k = 0;
    reply = (url) => {
      seenKey = url.searchParams.get('api_key') ?? '';
      return k++ === 0 ? { status: 503, body: `bad ${url.search}` } : { status: 403, body: { error: { type: 'forbidden', message: 'Requested metric is not available with supplied credentials.' } } };
    };
    const err = await (await make({ apiKey: secret, metrics: ['HashRate'] }, NOW, log)).fetchRange(r).catch((e: unknown) => e);
    expect(seenKey).toBe(secret);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(/\[coinmetrics\] option "apiKey" was refused by the provider \(HTTP 403\)/);
    expect((err as ConfigError).field).toBe('apiKey');
    expect(logged.length).toBeGreaterThan(0);
    for (const s of [...logged, (err as Error).message]) expect(s).not.toContain(secret);
  });

  it('an error envelope is a PluginError with the provider message', async () => {
    reply = () => ({ status: 200, body: { error: { type: 'bad_parameter', message: "Bad parameter 'metrics'." } } });
    await expect((await make({})).fetchRange(r)).rejects.toThrow(PluginError);
    await expect((await make({})).fetchRange(r)).rejects.toThrow(/Bad parameter 'metrics'/);
  });
});

describe('coinmetrics: offline and publication time', () => {
  const noNetwork = (() => {
    throw new Error('network used in offline mode');
  }) as unknown as typeof fetch;

  it('offline backfill equals the bundled file for every metric, without network', { timeout: 60_000 }, async () => {
    const src = await coinmetrics.create(coinmetrics.optionsSchema.parse({ mode: 'offline' }), createPluginContext({ fetch: noNetwork }));
    const b = await src.fetchRange({ from: 0, to: Date.UTC(2030, 0, 1) });
    expect(b.rejected).toBeUndefined();
    for (const m of METRICS) {
      const want = loadDailyColumn('btc_onchain_daily.csv.gz', m);
      const got = b.observations!.filter((o) => o.series === m);
      expect(got.length, m).toBe(want.length);
      expect(got.every((o, i) => o.eventTime === want[i]!.ts && o.value === want[i]!.value), m).toBe(true);
    }
  });

  it('a day is not emitted before eventTime + 30 h, and is from that moment', async () => {
    const day = Date.UTC(2024, 5, 10);
    const at = async (now: number) => {
      const src = await coinmetrics.create(coinmetrics.optionsSchema.parse({ mode: 'offline', metrics: ['AdrActCnt'] }), createPluginContext({ now: () => now, fetch: noNetwork }));
      return (await src.fetchLatest!()).observations!.map((o) => o.eventTime);
    };
    expect(await at(day + 30 * HOUR - 1)).not.toContain(day);
    expect((await at(day + 30 * HOUR - 1)).at(-1)).toBe(day - DAY);
    expect((await at(day + 30 * HOUR)).at(-1)).toBe(day);
  });
});
