import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HOUR, type Candle, type SourceBatch } from '@satcast/core';
import { BannedError, type KlineTick } from './index.js';
import { harness, realBars, type Harness } from './testing/setup.js';

const T0 = Date.UTC(2024, 0, 1);
const bars = realBars(T0, T0 + 40 * HOUR);
const closedAt = (i: number) => bars[i]!.openTime + HOUR + 1_000; // a second after bar i closed
const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');
const until = (fn: () => void) => vi.waitFor(fn, { timeout: 5000, interval: 5 });

let h: Harness;
afterEach(async () => h?.close());
/** Both ends see the connection (the client has run its 'open' handler, so its clock reading is taken). */
const connected = () =>
  until(() => {
    expect(h.fake.open).toHaveLength(1);
    expect(h.source.health().connected).toBe(true);
  });

/** Collects everything a subscription delivers. */
function collector() {
  const candles: Candle[] = [];
  const rejected: NonNullable<SourceBatch['rejected']> = [];
  const ticks: KlineTick[] = [];
  const errors: unknown[] = [];
  return {
    candles,
    rejected,
    ticks,
    errors,
    opts: {
      onBatch: (b: SourceBatch) => {
        candles.push(...(b.candles ?? []));
        rejected.push(...(b.rejected ?? []));
      },
      onTick: (t: KlineTick) => ticks.push(t),
      onError: (e: unknown) => errors.push(e),
    },
    times: () => candles.map((c) => (c.openTime - T0) / HOUR),
  };
}

describe('binance stream', () => {
  it('the test history is contiguous (so any hole below is the client’s)', () => {
    expect(bars.every((c, i) => i === 0 || c.openTime - bars[i - 1]!.openTime === HOUR)).toBe(true);
  });

  it('emits only closed bars as candles; in-progress bars go to onTick', async () => {
    h = await harness({ bars: { BTCUSDT: bars }, now: closedAt(3) + 30 * 60_000 });
    const got = collector();
    await h.source.subscribe(got.opts);
    await connected();
    expect(h.fake.connections[0]!.url).toBe('/ws/btcusdt@kline_1h');
    h.fake.broadcast(h.fake.event(bars[4]!, { closed: false }));
    h.fake.broadcast(h.fake.event(bars[3]!, { closed: true }));
    await until(() => expect(got.candles).toHaveLength(1));
    expect(got.candles[0]).toEqual(bars[3]);
    expect(got.ticks).toMatchObject([{ openTime: bars[4]!.openTime, close: bars[4]!.close, closed: false }]);
    expect(got.rejected).toEqual([]);
    expect(h.source.health()).toMatchObject({ state: 'ok', connected: true, lastCandleOpenTime: bars[3]!.openTime });
  });

  it('answers server pings with the same payload', async () => {
    h = await harness({ bars: { BTCUSDT: bars }, now: closedAt(3) });
    await h.source.subscribe(collector().opts);
    await connected();
    h.fake.open[0]!.socket.ping('hb-1');
    await until(() => expect(h.fake.pongs).toContain('hb-1'));
  });

  it('after a drop, reconnects and backfills the closed bars it missed: no loss, no duplicate', async () => {
    h = await harness({ bars: { BTCUSDT: bars }, now: closedAt(5) });
    const got = collector();
    // The caller already stored bars up to 4: bar 5 (closed before subscribe) comes from REST.
    await h.source.subscribe({ ...got.opts, after: bars[4]!.openTime });
    await until(() => expect(got.times()).toEqual([5]));
    h.clock.set(closedAt(6));
    h.fake.broadcast(h.fake.event(bars[6]!, { closed: true }));
    h.fake.broadcast(h.fake.event(bars[7]!, { closed: false }));
    await until(() => expect(got.times()).toEqual([5, 6]));
    // Bars 7, 8, 9 close while the connection is down.
    h.clock.set(closedAt(9));
    h.fake.dropAll();
    await until(() => expect(got.times()).toEqual([5, 6, 7, 8, 9]));
    await connected();
    // The new connection repeats the final update of bar 9 (already emitted) and then closes bar 10.
    h.clock.set(closedAt(10));
    h.fake.broadcast(h.fake.event(bars[9]!, { closed: true }));
    h.fake.broadcast(h.fake.event(bars[10]!, { closed: true }));
    await until(() => expect(got.times()).toEqual([5, 6, 7, 8, 9, 10]));
    expect(got.candles).toEqual(bars.slice(5, 11));
    expect(h.fake.connections).toHaveLength(2);
    expect(h.source.health()).toMatchObject({ reconnects: 1, backfilledBars: 4, duplicatesSuppressed: 1, state: 'ok' });
  });

  it('a closed bar that skips ahead triggers a REST backfill of the bars in between first', async () => {
    h = await harness({ bars: { BTCUSDT: bars }, now: closedAt(2) });
    const got = collector();
    await h.source.subscribe({ ...got.opts, after: bars[2]!.openTime });
    await connected();
    h.clock.set(closedAt(6));
    h.fake.broadcast(h.fake.event(bars[6]!, { closed: true })); // 3, 4, 5 never came over the stream
    await until(() => expect(got.times()).toEqual([3, 4, 5, 6]));
    expect(h.fake.requests.at(-1)!.query.get('startTime')).toBe(String(bars[3]!.openTime));
  });

  it('when the gap backfill hits an IP ban, it waits the ban out (no request meanwhile), then fills the gap', async () => {
    h = await harness({ bars: { BTCUSDT: bars }, now: closedAt(2) });
    const got = collector();
    await h.source.subscribe({ ...got.opts, after: bars[2]!.openTime });
    await connected();
    h.fake.replies.push({ status: 418, headers: { 'retry-after': '30' }, body: { code: -1003, msg: 'banned' } });
    h.clock.set(closedAt(5));
    h.fake.broadcast(h.fake.event(bars[5]!, { closed: true }));
    await until(() => expect(got.times()).toEqual([3, 4, 5]));
    expect(got.errors.some((e) => e instanceof BannedError)).toBe(true);
    const [banned, retried] = h.fake.requests.slice(-2);
    expect(retried!.at - banned!.at).toBeGreaterThanOrEqual(30_000);
  });

  it('parses combined streams ({stream, data}) for several symbols', async () => {
    const eth = bars.map((c) => ({ ...c, symbol: 'ETHUSDT', open: c.open / 20, high: c.high / 20, low: c.low / 20, close: c.close / 20 }));
    h = await harness({ bars: { BTCUSDT: bars, ETHUSDT: eth }, now: closedAt(3), options: { symbols: ['BTCUSDT', 'ETHUSDT'] } });
    const got = collector();
    await h.source.subscribe(got.opts);
    await connected();
    expect(h.fake.connections[0]!.url).toBe('/stream?streams=btcusdt@kline_1h/ethusdt@kline_1h');
    h.fake.broadcast(h.fake.event(bars[3]!, { closed: true, combined: true }));
    h.fake.broadcast(h.fake.event(eth[3]!, { closed: true, combined: true }));
    // A kline under the wrong stream name is not trusted.
    h.fake.broadcast(JSON.stringify({ stream: 'btcusdt@kline_1h', data: JSON.parse(h.fake.event(eth[3]!, { closed: true })) }));
    await until(() => expect(got.candles).toHaveLength(2));
    await until(() => expect(got.rejected).toHaveLength(1));
    expect(got.candles).toEqual([bars[3], eth[3]]);
    expect(got.rejected[0]!.reason).toMatch(/unexpected kline ETHUSDT 1h on stream btcusdt@kline_1h/);
  });

  it('quarantines garbage and impossible stream payloads (the documentation example has open < low)', async () => {
    const docTime = 1672515782136;
    h = await harness({ bars: {}, now: docTime, interval: '1m', options: { symbol: 'BNBBTC', interval: '1m', combined: true } });
    const got = collector();
    await h.source.subscribe(got.opts);
    await connected();
    h.fake.broadcast('not json');
    h.fake.broadcast(JSON.stringify({ result: null, id: 1 })); // a control reply: ignored
    h.fake.broadcast(fixture('kline-ws-combined.json'));
    h.fake.broadcast(JSON.stringify({ stream: 'bnbbtc@kline_1m', data: { e: 'kline', E: docTime, s: 'BNBBTC', k: { t: 'x' } } }));
    await until(() => expect(got.rejected).toHaveLength(3));
    expect(got.rejected.map((r) => [r.kind, r.reason])).toEqual([
      ['message', 'stream message is not JSON'],
      ['candle', 'BNBBTC 1m: open: open outside [low, high]'],
      ['message', expect.stringMatching(/^not a kline event: k\.t: /)],
    ]);
    expect(got.rejected[1]!.payload).toEqual(JSON.parse(fixture('kline-ws-combined.json')));
    expect(got.candles).toHaveLength(0);
    expect(h.source.health().rejected).toBe(3);
  });

  it('replaces the connection before the 24 h cut-off (plugin clock), without counting a failure', async () => {
    h = await harness({ bars: { BTCUSDT: bars }, now: closedAt(3) });
    await h.source.subscribe(collector().opts);
    await connected();
    h.clock.advance(23 * HOUR + 29 * 60_000);
    h.fake.open[0]!.socket.ping();
    await until(() => expect(h.fake.pongs).toHaveLength(1));
    expect(h.fake.connections).toHaveLength(1); // still young enough
    h.clock.advance(60_000);
    h.fake.open[0]!.socket.ping();
    await until(() => expect(h.fake.connections).toHaveLength(2));
    await connected();
    expect(h.fake.closes[0]).toEqual({ code: 1000, reason: 'connection age limit' });
    await until(() => expect(h.source.health()).toMatchObject({ rotations: 1, reconnects: 0, connected: true, state: 'ok' }));
  });

  it('detects a dead connection (no frames, pings unanswered) and reconnects', async () => {
    h = await harness({ bars: { BTCUSDT: bars }, now: closedAt(3), autoPong: false, options: { ws: { idleTimeoutMs: 100 } } });
    await h.source.subscribe(collector().opts);
    await until(() => expect(h.fake.connections.length).toBeGreaterThanOrEqual(2));
    expect(h.fake.pings.length).toBeGreaterThanOrEqual(1);
    expect(h.source.health().reconnects).toBeGreaterThanOrEqual(1);
    expect(h.source.health().lastError).toMatch(/stream silent for \d+ ms/);
  });

  it('keeps retrying a refused handshake with backoff and reports each failure', async () => {
    h = await harness({ bars: { BTCUSDT: bars }, now: closedAt(3) });
    h.fake.refuseUpgrades = 2;
    const got = collector();
    await h.source.subscribe(got.opts);
    await connected();
    expect(h.fake.connections).toHaveLength(1);
    expect(got.errors).toHaveLength(2);
    expect(String(got.errors[0])).toMatch(/\[satcast\] \[binance\] stream ws:\/\/127\.0\.0\.1:\d+\/ws\/btcusdt@kline_1h: Unexpected server response: 503/);
    expect(h.source.health()).toMatchObject({ reconnects: 2, errors: 2, state: 'ok' });
  });

  it('close() stops reconnecting and reports state "closed"', async () => {
    h = await harness({ bars: { BTCUSDT: bars }, now: closedAt(3) });
    const sub = await h.source.subscribe(collector().opts);
    await connected();
    await sub.close();
    await until(() => expect(h.fake.open).toHaveLength(0));
    expect(h.fake.connections).toHaveLength(1);
    await h.source.close();
    expect(h.source.health().state).toBe('closed');
  });
});
