import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDataSource } from '@satcast/core/testing';
import { ConfigError, createPluginContext, DAY, HOUR, MACRO_LAG_MS, type DataSource, type Logger } from '@satcast/core';
import { loadDailyColumn } from '@satcast/data';
import fred, { BUNDLED } from './index.js';
import { startFakeServer, type FakeReply, type FakeServer } from '@satcast/source-kit/testing';

const KEY = '0123456789abcdef0123456789abcdef';
// The fake FRED serves the bundled files under the default ids, with "." on weekdays without a close
// (as FRED does on market holidays), paged by offset/limit.
const FILES: Record<string, [string, string]> = {
  SP500: BUNDLED.spx!,
  DTWEXBGS: BUNDLED.dxy!,
  DGS10: BUNDLED.us10y!,
  VIXCLS: BUNDLED.vix!,
};

function observationsFor(id: string, start: number, end: number) {
  const [file, column] = FILES[id]!;
  const byDay = new Map(loadDailyColumn(file, column).map((r) => [r.ts, r.value]));
  const out: { realtime_start: string; realtime_end: string; date: string; value: string }[] = [];
  for (let t = start; t <= end; t += DAY) {
    const wd = new Date(t).getUTCDay();
    if (wd === 0 || wd === 6) continue;
    const v = byDay.get(t);
    const date = new Date(t).toISOString().slice(0, 10);
    out.push({ realtime_start: '2025-07-01', realtime_end: '2025-07-01', date, value: v === undefined ? '.' : String(v) });
  }
  return out;
}

function fredReply(url: URL, tamper?: (rows: ReturnType<typeof observationsFor>) => void): FakeReply {
  const q = url.searchParams;
  if (q.get('api_key') !== KEY) {
    return { status: 400, body: { error_code: 400, error_message: 'Bad Request.  The value for variable api_key is not registered.' } };
  }
  const id = q.get('series_id')!;
  if (!FILES[id]) return { status: 400, body: { error_code: 400, error_message: 'Bad Request.  The series does not exist.' } };
  const all = observationsFor(id, Date.parse(q.get('observation_start')!), Date.parse(q.get('observation_end')!));
  tamper?.(all);
  const offset = Number(q.get('offset'));
  const limit = Number(q.get('limit'));
  return { body: { realtime_start: '2025-07-01', count: all.length, offset, limit, observations: all.slice(offset, offset + limit) } };
}

const NOW = Date.UTC(2024, 2, 10, 12);
const range = { from: Date.UTC(2024, 0, 1), to: Date.UTC(2024, 2, 1) };
const fast = { timeoutMs: 2000, maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 5 };

let server: FakeServer;
let reply: (url: URL) => FakeReply = (u) => fredReply(u);
beforeAll(async () => {
  server = await startFakeServer((req) => reply(req.url));
});
afterAll(() => server.close());

const make = async (options: Record<string, unknown>, now = NOW, log?: Logger): Promise<DataSource> =>
  fred.create(fred.optionsSchema.parse({ baseUrl: server.url, apiKey: KEY, http: fast, ...options }), createPluginContext({ now: () => now, log }));

testDataSource({
  plugin: fred,
  get options() {
    return { baseUrl: server.url, apiKey: KEY, http: fast, pageSize: 25 };
  },
  ctx: { now: () => NOW },
  range,
  invalidOptions: [{ series: ['oil'] }, { apiKey: 'short' }, { seriesIds: { spx: 'lower case' } }, { seriesIds: { copper: 'X' } }, { pageSize: 0 }, { extra: 1 }],
  additionalTests: (get) => {
    it('returns the bundled closes per series, pages by offset, skips "." days, availableAt = eventTime + 22 h', async () => {
      const before = server.requests.length;
      const b = await get().source.fetchRange(range);
      const reqs = server.requests.slice(before);
      expect(new Set(reqs.map((r) => r.url.searchParams.get('series_id')))).toEqual(new Set(['SP500', 'DTWEXBGS', 'DGS10', 'VIXCLS']));
      expect(reqs.filter((r) => r.url.searchParams.get('series_id') === 'DGS10').map((r) => Number(r.url.searchParams.get('offset')))).toEqual([0, 25, 50, 75]); // 60 warm-up days included
      for (const [s, [file, column]] of Object.entries(BUNDLED)) {
        const want = loadDailyColumn(file, column).filter((r) => r.ts >= range.from && r.ts < range.to);
        expect(b.observations!.filter((o) => o.series === s).map((o) => [o.eventTime, o.value])).toEqual(want.map((r) => [r.ts, r.value]));
      }
      // 2024-01-15 (MLK day) has "." for SP500: no observation, not a zero.
      expect(b.observations!.some((o) => o.series === 'spx' && o.eventTime === Date.UTC(2024, 0, 15))).toBe(false);
      expect(b.observations!.every((o) => o.availableAt === o.eventTime + MACRO_LAG_MS)).toBe(true);
      expect(b.observations!.find((o) => o.series === 'dxy')!.attrs).toEqual({ fredId: 'DTWEXBGS' });
    });
  },
});

describe('fred: keys and configuration', () => {
  it('a missing key is a ConfigError naming plugin and option (live and hybrid), not needed offline', async () => {
    const err = await Promise.resolve(fred.create(fred.optionsSchema.parse({}), createPluginContext())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(/^\[satcast\] \[fred\] missing option "apiKey"/);
    expect((err as ConfigError).field).toBe('apiKey');
    await expect(fred.create(fred.optionsSchema.parse({ mode: 'hybrid' }), createPluginContext())).rejects.toThrow(/missing option "apiKey"/);
    await expect(fred.create(fred.optionsSchema.parse({ mode: 'offline' }), createPluginContext())).resolves.toBeDefined();
  });

  it('a refused key is a ConfigError, and the key never appears in messages or logs', async () => {
    const other = 'ffffffffffffffffffffffffffffffff';
    const logged: string[] = [];
    const log: Logger = { debug: () => {}, info: () => {}, warn: (m, d) => logged.push(m + JSON.stringify(d ?? {})), error: (m, d) => logged.push(m + JSON.stringify(d ?? {})) };
    let k = 0;
    reply = (u) => (k++ === 0 ? { status: 500, body: `oops ${u.search}` } : fredReply(u));
    try {
      const err = await (await make({ apiKey: other, series: ['us10y'] }, NOW, log)).fetchRange(range).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).message).toMatch(/\[fred\] option "apiKey" was refused by FRED: .*api_key is not registered/);
      expect(logged.length).toBeGreaterThan(0);
      for (const s of [...logged, (err as Error).message]) expect(s).not.toContain(other);
      expect(logged.join()).toContain('api_key=***');
    } finally {
      reply = (u) => fredReply(u);
    }
  });

  it('gold needs an explicit FRED id and is not bundled', async () => {
    await expect(make({ series: ['gold'] })).rejects.toThrow(/seriesIds\.gold/);
    await expect(fred.create(fred.optionsSchema.parse({ mode: 'offline', series: ['gold'] }), createPluginContext())).rejects.toThrow(/not in the bundled history/);
  });
});

describe('fred: bad rows and retries', () => {
  it('rejects non-numeric values and bad dates with reasons; "." is not a rejection', async () => {
    reply = (u) =>
      fredReply(u, (rows) => {
        // The last rows: the first ones are warm-up days before the range, whose rejections are not reported.
        rows.at(-4)!.value = 'n/a';
        rows.at(-3)!.date = '02/07/2024';
        rows.at(-2)!.value = '-5';
      });
    try {
      const b = await (await make({ series: ['vix'] })).fetchRange({ from: Date.UTC(2024, 1, 1), to: Date.UTC(2024, 1, 10) });
      expect(b.rejected!.map((r) => r.reason)).toEqual(['vix: value "n/a" is not a number', 'vix: date: expected YYYY-MM-DD', 'vix: value -5 is not a positive price']);
      expect(b.rejected![0]!.payload).toMatchObject({ value: 'n/a' });
    } finally {
      reply = (u) => fredReply(u);
    }
  });

  it('retries 429 and 5xx', async () => {
    let k = 0;
    reply = (u) => (k++ < 2 ? [{ status: 429, headers: { 'retry-after': '0' } }, { status: 502 }][k - 1]! : fredReply(u));
    try {
      const b = await (await make({ series: ['us10y'] })).fetchRange({ from: Date.UTC(2024, 1, 1), to: Date.UTC(2024, 1, 10) });
      expect(b.observations!.map((o) => o.value)).toEqual(loadDailyColumn('macro/us10y_daily.csv.gz', 'yield_pct').filter((r) => r.ts >= Date.UTC(2024, 1, 1) && r.ts < Date.UTC(2024, 1, 10)).map((r) => r.value));
      expect(k).toBe(3);
    } finally {
      reply = (u) => fredReply(u);
    }
  });
});

describe('fred: offline and publication time', () => {
  const noNetwork = (() => {
    throw new Error('network used in offline mode');
  }) as unknown as typeof fetch;

  it('offline backfill equals the bundled files, without network', async () => {
    const src = await fred.create(fred.optionsSchema.parse({ mode: 'offline' }), createPluginContext({ fetch: noNetwork }));
    const b = await src.fetchRange({ from: 0, to: Date.UTC(2030, 0, 1) });
    expect(b.rejected).toBeUndefined();
    for (const [s, [file, column]] of Object.entries(BUNDLED)) {
      const want = loadDailyColumn(file, column);
      expect(b.observations!.filter((o) => o.series === s).map((o) => [o.eventTime, o.value]), s).toEqual(want.map((r) => [r.ts, r.value]));
    }
  });

  it('a close is not emitted before 22:00 UTC of its trading day', async () => {
    const day = Date.UTC(2024, 5, 12); // a Wednesday
    const at = async (now: number) => {
      const src = await fred.create(fred.optionsSchema.parse({ mode: 'offline', series: ['vix'] }), createPluginContext({ now: () => now, fetch: noNetwork }));
      return (await src.fetchLatest!()).observations!.map((o) => o.eventTime).at(-1);
    };
    expect(await at(day + 22 * HOUR - 1)).toBe(day - DAY);
    expect(await at(day + 22 * HOUR)).toBe(day);
  });

  it('hybrid warns about the dxy splice and reads FRED only after the bundled end', async () => {
    const warned: string[] = [];
    const log: Logger = { debug: () => {}, info: () => {}, warn: (m) => warned.push(m), error: () => {} };
    const now = Date.UTC(2025, 6, 10);
    reply = (u) => ({ body: { count: 1, offset: 0, observations: [{ date: '2025-07-07', value: '16.5' }].filter(() => u.searchParams.get('series_id') === 'VIXCLS') } });
    try {
      const before = server.requests.length;
      const src = await make({ mode: 'hybrid', series: ['vix', 'dxy'] }, now, log);
      expect(warned.join()).toMatch(/splices the bundled ICE DXY with FRED DTWEXBGS/);
      const b = await src.fetchRange({ from: Date.UTC(2025, 5, 27), to: now });
      const vix = b.observations!.filter((o) => o.series === 'vix');
      expect(vix.map((o) => new Date(o.eventTime).toISOString().slice(0, 10))).toEqual(['2025-06-27', '2025-06-30', '2025-07-07']);
      expect(server.requests.slice(before).every((r) => r.url.searchParams.get('observation_start') === '2025-07-01')).toBe(true);
    } finally {
      reply = (u) => fredReply(u);
    }
  });
});
