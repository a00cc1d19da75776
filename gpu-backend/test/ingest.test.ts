/**
 * `satcast ingest` end to end against a fake Binance (REST + WebSocket on 127.0.0.1, virtual clock):
 * chunked backfill, resume after the newest stored bar, live stream through the bus into the store across
 * a forced disconnect, quarantine with reasons and the rejection counter, per-source health; a 418 ban
 * exits the CLI with code 3. Plus schema evolution: v1 observation messages replayed through the backend's
 * consumer arrive in the store as v2, and v1 rows in the store are read as v2.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { Redis } from 'ioredis';
import { createBus } from '@satcast/adapter-bus-memory';
import { HOUR, DAY, OBSERVATION_V2, resolveConfig, TOPICS, type Candle, type Observation } from '@satcast/core';
import { loadBtcHourly } from '@satcast/data';
import { BannedError } from '@satcast/plugin-binance';
import { builtinRegistry } from '../src/plugins.js';
import { startIngest, type Ingest } from '../src/ingest/run.js';
import { upcastingStore } from '../src/ingest/upcast.js';
import { openStore } from '../src/ingest/store.js';
import { sourcesHealth } from '../src/ingest/health.js';
import { createConfiguredBus } from '../src/ingest/bus.js';
import { apiKeyEnvName, loadConfig } from '../src/config.js';
import { startSatcast, type Satcast } from '../src/runner.js';
import { fakeClock, FakeBinance, type FakeClock } from './fake-binance.js';
import { tempDir } from './helpers.js';

const T0 = Date.UTC(2024, 0, 1);
/** 40 days of real BTCUSDT hours: the backfill needs two 30-day chunks. */
const truth: Candle[] = loadBtcHourly({ from: T0, to: T0 + 40 * DAY }).map((c) => ({ ...c, source: 'binance' }));
const N = truth.length - 10; // bars closed when the backfill runs
const closedAt = (i: number) => truth[i]!.openTime + HOUR + 1_000;
const until = (fn: () => unknown) => vi.waitFor(fn, { timeout: 10_000, interval: 10 });
const FAST = { rest: { retries: 2, backoffInitialMs: 1, backoffMaxMs: 2, breakerThreshold: 50, timeoutMs: 2000 }, ws: { reconnectInitialMs: 1, reconnectMaxMs: 5 } };

function binanceConfig(dir: string, fake: FakeBinance) {
  return {
    store: { url: `file:${join(dir, 'store.db')}` },
    sources: [{ plugin: 'binance', options: { ...FAST, baseUrl: fake.restUrl, wsUrl: fake.wsUrl } }],
    features: [{ plugin: 'ta' }],
    models: [{ plugin: 'persistence' }],
    servedModel: 'persistence',
  };
}

const ohlcv = (c: Candle) => [c.openTime, c.open, c.high, c.low, c.close, c.volume];
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

const prefix = `satcast:test:ingest:${process.pid}:${Date.now()}:`;
const redisUp = async () => {
  const r = new Redis('redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  const ok = await r.connect().then(() => r.ping()).then(() => true, () => false);
  r.disconnect();
  return ok;
};
afterAll(async () => {
  if (!(await redisUp())) return;
  const r = new Redis('redis://127.0.0.1:6379');
  const keys = await r.keys(`${prefix}*`);
  if (keys.length) await r.del(...keys);
  await r.quit();
});

let fake: FakeBinance | undefined;
let ingest: Ingest | undefined;
afterEach(async () => {
  await ingest?.close();
  await fake?.close();
  ingest = fake = undefined;
});

describe('satcast ingest (fake Binance)', () => {
  it.each(['memory', 'redis-streams'] as const)('backfills in chunks, resumes, streams through the %s bus across a drop: contiguous bars, garbage quarantined and counted', async (adapter) => {
    if (adapter === 'redis-streams' && !(await redisUp())) return void console.warn('skipped: no Redis on 127.0.0.1:6379');
    const busChoice = { adapter, prefix: `${prefix}live:` };
    expect(truth.every((c, i) => i === 0 || c.openTime - truth[i - 1]!.openTime === HOUR)).toBe(true); // any hole below is ours
    const clock: FakeClock = fakeClock(closedAt(N - 1));
    fake = await FakeBinance.start(clock, truth);
    // The first REST page carries a truncated row: it must land in quarantine, the rest of the page stored.
    fake.page = (rows, n) => (n === 1 ? [...rows.slice(0, 5), ['garbage', '1.0'], ...rows.slice(5)] : rows);
    const dir = tempDir();
    const config = resolveConfig(binanceConfig(dir, fake), builtinRegistry());
    const progress: number[] = [];

    // 1. `satcast ingest backfill --from 2024-01-01`: two 30-day chunks.
    const first = await startIngest(config, { from: T0, now: clock.now, log: quiet, onProgress: (p) => progress.push(p.fraction) });
    expect(first.backfill).toEqual([expect.objectContaining({ source: 'binance', from: T0, chunks: 2, inserted: N, quarantined: 1 })]);
    expect(progress.at(-1)).toBe(1);
    expect(progress[0]).toBeCloseTo((30 * DAY) / (clock.now() - T0), 6);
    await first.close();

    // 2. `satcast ingest run`: resumes one hour after the newest stored bar, then subscribes.
    fake.page = (rows) => rows;
    const requestsBefore = fake.requests.length;
    ingest = await startIngest(config, { from: T0, live: true, busChoice, now: clock.now, log: quiet });
    expect(ingest.backfill[0]).toMatchObject({ from: truth[N]!.openTime, inserted: 0 });
    expect(fake.requests[requestsBefore]!.get('startTime')).toBe(String(truth[N]!.openTime));
    const store = ingest.store;
    const stored = async () => store.getCandles({ symbol: 'BTCUSDT', interval: '1h' });
    await until(() => expect(fake!.open).toHaveLength(1));

    clock.set(closedAt(N));
    fake.broadcast(fake.event(truth[N]!, false)); // in progress: not a candle
    fake.broadcast(fake.event(truth[N]!, true));
    await until(async () => expect(await store.countCandles({ symbol: 'BTCUSDT', interval: '1h' })).toBe(N + 1));

    // An impossible closed bar (high < low) on the stream: quarantined; the real bar comes from REST later.
    clock.set(closedAt(N + 1));
    const bad = truth[N + 1]!;
    fake.broadcast(fake.event({ ...bad, high: bad.low - 1 }, true));
    await until(async () => expect(await store.countQuarantine({ source: 'binance' })).toBe(2));

    // Bars N+1..N+3 close while the connection is down: the reconnect backfills them from REST.
    clock.set(closedAt(N + 3));
    fake.dropAll();
    await until(() => expect(fake!.connections.length).toBe(2));
    await until(() => expect(fake!.open).toHaveLength(1));
    await until(async () => expect(await store.countCandles({ symbol: 'BTCUSDT', interval: '1h' })).toBe(N + 4));
    clock.set(closedAt(N + 4));
    fake.broadcast(fake.event(truth[N + 3]!, true)); // a repeat of a bar already stored
    fake.broadcast(fake.event(truth[N + 4]!, true));
    await until(async () => expect(await store.countCandles({ symbol: 'BTCUSDT', interval: '1h' })).toBe(N + 5));

    // The stored hourly series equals the fake server's truth: nothing lost, nothing duplicated.
    const got = await stored();
    expect(got.map(ohlcv)).toEqual(truth.slice(0, N + 5).map(ohlcv));
    expect(got.every((c, i) => i === 0 || c.openTime - got[i - 1]!.openTime === HOUR)).toBe(true);

    const q = await store.listQuarantine({ source: 'binance' });
    expect(q.map((r) => r.kind)).toEqual(['candle', 'candle']);
    expect(q[0]!.reason).toMatch(/high/i);
    expect(q[1]!.payload).toEqual(['garbage', '1.0']);
    expect(q[1]!.reason.length).toBeGreaterThan(5);

    // Counter: the live run quarantined one record (the first run had its own registry and counted its own).
    expect(await ingest.metrics.registry.getSingleMetricAsString('satcast_source_rejected_total')).toMatch(/satcast_source_rejected_total\{source="binance",kind="candle"\} 1\b/);
    const [h] = ingest.health();
    expect(h).toMatchObject({ id: 'binance', state: 'ok', ready: true, rejected: { candle: 1 }, detail: { reconnects: 1, connected: true, lastCandleOpenTime: truth[N + 4]!.openTime } });
    expect((h!.detail as { backfilledBars: number }).backfilledBars).toBeGreaterThanOrEqual(3);
    await ingest.metrics.refresh({ store, asset: 'BTCUSDT', sources: ingest.health(), models: [], horizons: [] });
    const text = await ingest.metrics.registry.metrics();
    expect(text).toMatch(/satcast_source_up\{source="binance"\} 1/);
    expect(text).toMatch(/satcast_quarantine_rows\{source="binance"\} 2/);
    expect(text).toMatch(/satcast_source_lag_seconds\{source="binance"\} \d/);
  });

  it('a 418 ban stops the backfill with BannedError; health says banned and not ready', async () => {
    const clock = fakeClock(closedAt(N - 1));
    fake = await FakeBinance.start(clock, truth);
    fake.replies.push({ status: 418, headers: { 'retry-after': '600' }, body: { code: -1003, msg: 'Way too many requests; IP banned' } });
    const config = resolveConfig(binanceConfig(tempDir(), fake), builtinRegistry());
    const err = await startIngest(config, { from: T0, now: clock.now, log: quiet }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BannedError);
    expect((err as BannedError).until).toBe(clock.now() + 600_000);
    expect(fake.requests).toHaveLength(1);
    // What /api/v1/health and satcast_source_up read for such a source:
    const banned = { health: () => ({ state: 'banned', bannedUntil: clock.now() + 600_000, errors: 1 }), fetchRange: async () => ({}) };
    const [h] = sourcesHealth(new Map([['binance', { id: 'binance', errors: 0 }]]), [{ id: 'binance', source: banned }], clock.now());
    expect(h).toMatchObject({ state: 'banned', ready: false, errors: 1 });
  });

  it('`satcast ingest backfill` exits 3 on a ban and says until when (built CLI)', async () => {
    const clock = fakeClock(Date.now());
    fake = await FakeBinance.start(clock, truth);
    fake.replies.push({ status: 418, headers: { 'retry-after': '120' }, body: { code: -1003, msg: 'banned' } });
    const dir = tempDir();
    const file = join(dir, 'satcast.config.json');
    writeFileSync(file, JSON.stringify(binanceConfig(dir, fake)));
    const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
    // Async spawn: the fake server lives in this process and must keep answering.
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, [cli, 'ingest', 'backfill', '--config', file, '--source', 'binance', '--from', '2024-01-01'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      p.on('close', (code) => resolve({ code, stderr }));
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/\[binance\] banned by the provider \(HTTP 418\) until \d{4}-\d\d-\d\dT/);
  });
});

describe('runner: per-source health in /api/v1/health and /metrics', () => {
  let sc: Satcast | undefined;
  afterEach(async () => {
    await sc?.close();
    sc = undefined;
  });

  it('shows the Binance source with its own state; a ban makes it not ready (health 503, satcast_source_up 0)', async () => {
    const clock = fakeClock(closedAt(N - 1));
    fake = await FakeBinance.start(clock, truth);
    const dir = tempDir();
    const config = resolveConfig({ ...binanceConfig(dir, fake), models: [{ plugin: 'persistence' }, { plugin: 'ewma-band' }], servedModel: 'ewma-band', server: { port: 0 } }, builtinRegistry());
    sc = await startSatcast(config, { log: quiet });
    await until(() => expect(fake!.open).toHaveLength(1));
    const health = async () => {
      const res = await fetch(`${sc!.url}/api/v1/health`);
      const body = (await res.json()) as { components: { sources: { id: string; state: string; ready: boolean; detail?: Record<string, unknown> }[] } };
      return { status: res.status, source: body.components.sources[0]! };
    };
    // `degraded` while the stream's connect-time gap backfill is in flight, then `ok`.
    await until(async () => expect((await health()).source.state).toBe('ok'));
    const ok = await health();
    expect(ok.status).toBe(200);
    expect(ok.source).toMatchObject({ id: 'binance', state: 'ok', ready: true, detail: { connected: true, circuit: 'closed' } });
    expect(await (await fetch(`${sc.url}/metrics`)).text()).toMatch(/satcast_source_up\{source="binance"\} 1/);

    // A closed bar that skips ahead makes the stream backfill the gap from REST, which answers 418.
    fake.replies.push({ status: 418, headers: { 'retry-after': '600' }, body: { code: -1003, msg: 'IP banned' } });
    fake.broadcast(fake.event(truth[N + 4]!, true));
    await until(async () => expect((await health()).source.state).toBe('banned'));
    const banned = await health();
    expect(banned.status).toBe(503);
    expect(banned.source).toMatchObject({ ready: false, detail: { bannedUntil: expect.any(Number) } });
    const metrics = await (await fetch(`${sc.url}/metrics`)).text();
    expect(metrics).toMatch(/satcast_source_up\{source="binance"\} 0/);
    expect(metrics).toMatch(/satcast_source_errors_total\{source="binance"\} [1-9]/);
  });
});

describe('schema evolution through the backend consumer', () => {
  const day = (i: number) => Date.UTC(2024, 0, 1) + i * DAY;
  /** v1 messages as the fear-greed source wrote them before v2 (one without a version, one flagged anomalous). */
  const v1: Record<string, unknown>[] = [
    { source: 'fear-greed', series: 'fng', eventTime: day(0), availableAt: day(0), value: 63, attrs: { classification: 'Greed' }, schemaVersion: 1 },
    { source: 'fear-greed', series: 'fng', eventTime: day(1), availableAt: day(1), value: 71, attrs: { classification: 'Greed' } },
    { source: 'fear-greed', series: 'fng', eventTime: day(2), availableAt: day(2), value: 12, attrs: { classification: 'Extreme Fear', anomaly: true }, schemaVersion: 1 },
  ];

  it.each(['memory', 'redis-streams'] as const)('replays v1 observation messages from the %s bus log into the store as v2; a future version is quarantined', async (adapter) => {
    if (adapter === 'redis-streams' && !(await redisUp())) return void console.warn('skipped: no Redis on 127.0.0.1:6379');
    const dir = tempDir();
    const config = resolveConfig({ store: { url: `file:${join(dir, 's.db')}` }, sources: [{ plugin: 'fear-greed', options: { mode: 'offline' } }], features: [{ plugin: 'ta' }], models: [{ plugin: 'persistence' }], servedModel: 'persistence' }, builtinRegistry());
    const bus = adapter === 'memory' ? createBus() : await createConfiguredBus(config, { adapter, prefix: `${prefix}${dir.slice(-6)}:` });
    // Messages already on the bus (published by an older producer) before this consumer exists.
    await bus.publish(TOPICS.candles, 'fear-greed', { sourceId: 'fear-greed', batch: { observations: v1 } });
    await bus.publish(TOPICS.candles, 'fear-greed', { sourceId: 'fear-greed', batch: { observations: [{ ...v1[0], eventTime: day(3), availableAt: day(3), schemaVersion: 3 }] } });
    ingest = await startIngest(config, { sources: [], live: true, bus, fromOffset: 'earliest', log: quiet });
    const store = ingest.store;
    await until(async () => expect(await store.countQuarantine({ source: 'fear-greed' })).toBe(1));
    const rows = await store.getObservations({ source: 'fear-greed', series: 'fng' });
    expect(rows).toHaveLength(3);
    for (const r of rows) expect(OBSERVATION_V2.safeParse(r).success, JSON.stringify(r)).toBe(true);
    expect(rows.map((r) => [r.schemaVersion, r.attrs?.quality, r.attrs?.unit, r.attrs?.classification])).toEqual([
      [2, 'ok', 'index', 'Greed'],
      [2, 'ok', 'index', 'Greed'],
      [2, 'anomaly', 'index', 'Extreme Fear'],
    ]);
    const [q] = await store.listQuarantine({ source: 'fear-greed' });
    expect(q).toMatchObject({ kind: 'observation', payload: { schemaVersion: 3 } });
    expect(q!.reason).toMatch(/schemaVersion 3 is newer than this reader understands \(v2\)/);
    expect(await ingest.metrics.registry.getSingleMetricAsString('satcast_source_rejected_total')).toMatch(/source="fear-greed",kind="observation"\} 1\b/);
    await bus.close();
  });

  it('v1 rows an older backend stored are read by the pipeline as v2', async () => {
    const store = await openStore({ store: { adapter: 'libsql', url: `file:${join(tempDir(), 's.db')}` } });
    await store.upsertObservations(v1 as Observation[]);
    expect((await store.getObservations({ source: 'fear-greed', series: 'fng' })).map((r) => r.schemaVersion)).toEqual([1, 1, 1]);
    const view = upcastingStore(store);
    const rows = await view.getObservations({ source: 'fear-greed', series: 'fng', asOf: day(2) });
    expect(rows.map((r) => OBSERVATION_V2.parse(r).attrs.quality)).toEqual(['ok', 'ok', 'anomaly']);
    expect(rows[2]!.attrs).not.toHaveProperty('anomaly');
    expect(await view.countQuarantine()).toBe(0); // everything else is the store itself
    await store.close();
  });
});

describe('API keys from the environment', () => {
  it('fills a missing apiKey from SATCAST_<PLUGIN>_API_KEY before validation, and never prints it', async () => {
    expect(apiKeyEnvName('fred')).toBe('SATCAST_FRED_API_KEY');
    expect(apiKeyEnvName('fear-greed')).toBe('SATCAST_FEAR_GREED_API_KEY');
    const dir = tempDir();
    const file = join(dir, 'satcast.config.json');
    const base = { features: [{ plugin: 'ta' }], models: [{ plugin: 'persistence' }], servedModel: 'persistence' };
    writeFileSync(file, JSON.stringify({ ...base, sources: [{ plugin: 'fred', options: { mode: 'hybrid' } }, { plugin: 'binance' }] }));
    const key = 'abcdef0123456789abcdef0123456789';
    vi.stubEnv('SATCAST_FRED_API_KEY', key);
    vi.stubEnv('SATCAST_BINANCE_API_KEY', 'not-declared-by-binance');
    try {
      const { config } = await loadConfig({ path: file });
      expect((config.resolved.sources[0]!.options as { apiKey?: string }).apiKey).toBe(key);
      // binance declares no apiKey: its strict options are left alone (no "unknown field" error).
      expect(config.resolved.sources[1]!.options).not.toHaveProperty('apiKey');
      // A configured key wins over the environment.
      writeFileSync(file, JSON.stringify({ ...base, sources: [{ plugin: 'fred', options: { mode: 'hybrid', apiKey: '0'.repeat(32) } }] }));
      expect(((await loadConfig({ path: file })).config.resolved.sources[0]!.options as { apiKey: string }).apiKey).toBe('0'.repeat(32));
      // A malformed key is refused naming the field, without echoing the value.
      vi.stubEnv('SATCAST_FRED_API_KEY', 'WRONG-secret-value');
      writeFileSync(file, JSON.stringify({ ...base, sources: [{ plugin: 'fred', options: { mode: 'hybrid' } }] }));
      const err = await loadConfig({ path: file }).catch((e: Error) => e);
      expect(String(err)).toMatch(/sources\[0\]\.options\.apiKey: a FRED API key is 32 lower-case letters and digits/);
      expect(String(err)).not.toContain('WRONG-secret-value');
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
