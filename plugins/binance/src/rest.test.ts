import { afterEach, describe, expect, it, vi } from 'vitest';
import { HOUR, PluginError, RateLimitedError, UnavailableError } from '@satcast/core';
import { BannedError } from './index.js';
import { FakeBinance } from './testing/fake-binance.js';
import { harness, realBars, type Harness } from './testing/setup.js';

const T0 = Date.UTC(2024, 0, 1);
const bars = realBars(T0, T0 + 2500 * HOUR);
const END = bars.at(-1)!.openTime + HOUR; // every bar closed
let h: Harness;
afterEach(async () => h?.close());

describe('binance REST backfill', () => {
  it('pages through the range (limit 1000, startTime after the newest bar) and returns every closed bar once', async () => {
    h = await harness({ bars: { BTCUSDT: bars }, now: END });
    const batch = await h.source.fetchRange({ from: T0, to: END });
    expect(batch.candles).toEqual(bars);
    expect(batch.rejected).toBeUndefined();
    const q = h.fake.requests.map((r) => r.query);
    expect(q.map((p) => p.get('startTime'))).toEqual([String(T0), String(T0 + 1000 * HOUR), String(T0 + 2000 * HOUR)]);
    expect(q.every((p) => p.get('limit') === '1000' && p.get('endTime') === String(END - 1) && p.get('interval') === '1h')).toBe(true);
  });

  it('leaves out the bar still open at ctx.now() without rejecting it', async () => {
    h = await harness({ bars: { BTCUSDT: bars }, now: T0 + 10 * HOUR + 30 * 60_000 });
    const batch = await h.source.fetchRange({ from: T0, to: T0 + 20 * HOUR });
    expect(batch.candles!.map((c) => c.openTime)).toEqual(bars.slice(0, 10).map((c) => c.openTime));
    expect(batch.rejected).toBeUndefined();
  });

  it('spaces requests above the weight slowdown ratio and waits for the next minute at the limit', async () => {
    h = await harness({ bars: { BTCUSDT: bars }, now: END, options: { pageLimit: 1000, rateLimit: { weightLimit: 6000, slowdownRatio: 0.8 } } });
    // 1st answer: 5000 used (above 80 %): the next request is spaced. 2nd: 5999: no room for weight 2.
    h.fake.usedWeight = (n) => (n === 1 ? 5000 : n === 2 ? 5999 : 10);
    await h.source.fetchRange({ from: T0, to: END });
    // 5000/6000 at END (a minute boundary): 500 requests of weight 2 left for 60 s → one every 120 ms.
    // 5999/6000: no room for weight 2 → wait for the next window.
    expect(h.sleeps).toEqual([120, 60_000 - 120]);
    expect(h.fake.requests.map((r) => r.at - END)).toEqual([0, 120, 60_000]);
    expect(h.source.health().usedWeight).toBe(10);
  });

  it('on 429 waits Retry-After, then succeeds', async () => {
    h = await harness({ bars: { BTCUSDT: bars.slice(0, 5) }, now: END });
    h.fake.replies.push({ status: 429, headers: { 'retry-after': '3' }, body: { code: -1003, msg: 'Too many requests' } });
    const batch = await h.source.fetchRange({ from: T0, to: T0 + 5 * HOUR });
    expect(batch.candles).toHaveLength(5);
    expect(h.sleeps).toContain(3000);
    const [first, second] = h.fake.requests;
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(3000);
    expect(h.source.health().state).toBe('ok');
  });

  it('on 418 stops: no request during the ban, state "banned", resumes after it', async () => {
    h = await harness({ bars: { BTCUSDT: bars.slice(0, 5) }, now: END });
    h.fake.replies.push({ status: 418, headers: { 'retry-after': '120' }, body: { code: -1003, msg: 'Way too many requests; IP banned' } });
    const err = await h.source.fetchRange({ from: T0, to: T0 + 5 * HOUR }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BannedError);
    expect((err as BannedError).retryAfterMs).toBe(120_000);
    expect((err as Error).message).toMatch(/\[satcast\] \[binance\] .*418/);
    expect(h.source.health()).toMatchObject({ state: 'banned', bannedUntil: END + 120_000 });
    // During the ban: fails at once, the server sees nothing.
    h.clock.advance(60_000);
    await expect(h.source.fetchRange({ from: T0, to: T0 + 5 * HOUR })).rejects.toBeInstanceOf(BannedError);
    expect(h.fake.requests).toHaveLength(1);
    h.clock.advance(60_000);
    expect((await h.source.fetchRange({ from: T0, to: T0 + 5 * HOUR })).candles).toHaveLength(5);
    expect(h.fake.requests).toHaveLength(2);
    expect(h.source.health().state).not.toBe('banned');
  });

  it('retries 5xx, then the circuit opens and fails fast; after halfOpenAfter a trial call closes it', async () => {
    // cockatiel times the open circuit with Date.now: fake only Date so sockets and timers stay real.
    vi.useFakeTimers({ toFake: ['Date'] });
    h = await harness({ bars: { BTCUSDT: bars.slice(0, 5) }, now: END, options: { rest: { retries: 2, breakerThreshold: 4, breakerHalfOpenMs: 60_000 } } });
    for (let i = 0; i < 10; i++) h.fake.replies.push({ status: 503, body: 'busy' });
    const range = { from: T0, to: T0 + 5 * HOUR };
    await expect(h.source.fetchRange(range)).rejects.toBeInstanceOf(UnavailableError);
    expect(h.fake.requests).toHaveLength(3); // 1 + 2 retries
    const second = await h.source.fetchRange(range).catch((e: Error) => e);
    expect(second).toBeInstanceOf(UnavailableError);
    expect(h.fake.requests).toHaveLength(4); // the 4th consecutive failure opened the circuit
    expect((second as Error).message).toMatch(/circuit open after 4 consecutive failures/);
    expect(h.source.health()).toMatchObject({ circuit: 'open', state: 'circuit-open' });
    h.fake.replies = [];
    await expect(h.source.fetchRange(range)).rejects.toThrow(/circuit open/);
    expect(h.fake.requests).toHaveLength(4); // open: nothing sent
    vi.setSystemTime(Date.now() + 60_001);
    expect((await h.source.fetchRange(range)).candles).toHaveLength(5);
    expect(h.fake.requests).toHaveLength(5);
    expect(h.source.health().circuit).toBe('closed');
    vi.useRealTimers();
  });

  it('times out a hanging request and retries it', async () => {
    h = await harness({ bars: { BTCUSDT: bars.slice(0, 5) }, now: END, options: { rest: { timeoutMs: 500 } } });
    h.fake.replies.push('hang');
    expect((await h.source.fetchRange({ from: T0, to: T0 + 5 * HOUR })).candles).toHaveLength(5);
    expect(h.fake.requests).toHaveLength(2);
    expect(h.source.health().lastError).toMatch(/no answer within 500 ms/);
  });

  it('does not retry a 4xx and names what Binance said', async () => {
    h = await harness({ bars: {}, now: END, options: { symbol: 'NOPEUSDT' } });
    h.fake.replies.push({ status: 400, body: { code: -1121, msg: 'Invalid symbol.' } });
    const err = await h.source.fetchRange({ from: T0, to: T0 + HOUR }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(PluginError);
    expect((err as Error).message).toMatch(/symbol=NOPEUSDT: answered 400 .*Invalid symbol/);
    expect(h.fake.requests).toHaveLength(1);
  });

  it('quarantines impossible rows with a reason and the raw row, keeping the good ones', async () => {
    h = await harness({ bars: {}, now: END });
    const good = bars.slice(0, 6);
    const row = (i: number) => FakeBinance.row(good[i]!, HOUR);
    const set = (r: unknown[], k: number, v: unknown) => Object.assign([...r], { [k]: v });
    const page = [
      row(0),
      set(row(1), 1, '-5'), // negative open
      set(row(1), 4, 'NaN'), // NaN close
      set(set(row(1), 2, '1'), 3, '2'), // high < low
      set(row(1), 1, String(good[1]!.high * 2)), // open above high
      row(1),
      row(1), // duplicate
      row(0), // out of order
      set(set(row(2), 0, good[2]!.openTime + 1), 6, good[2]!.openTime + HOUR), // off the grid
      set(row(2), 6, good[2]!.openTime + 2 * HOUR), // close time of another interval
      [good[2]!.openTime, '1'], // truncated row
      'garbage',
      row(2),
      set(set(row(3), 0, END + 365 * 24 * HOUR), 6, END + 365 * 24 * HOUR + HOUR - 1), // a year in the future
      row(3),
    ];
    h.fake.replies.push({ status: 200, body: page });
    const batch = await h.source.fetchRange({ from: T0, to: T0 + 6 * HOUR });
    expect(batch.candles!.map((c) => c.openTime)).toEqual([0, 1, 2, 3].map((i) => good[i]!.openTime));
    const reasons = batch.rejected!.map((r) => r.reason);
    expect(reasons).toHaveLength(11);
    const expected = [
      /^BTCUSDT 1h: open: .*(>0|positive)/i,
      /^BTCUSDT 1h: 4: not a decimal string/,
      /high < low/,
      /open outside \[low, high\]/,
      /duplicate openTime/,
      /out of order/,
      /not on the 1h grid/,
      /closeTime .* does not end a 1h bar/,
      /^BTCUSDT 1h: 2: /,
      /payload: .*expected tuple/,
      /in the future/,
    ];
    reasons.forEach((r, i) => expect(r, `reason ${i}`).toMatch(expected[i]!));
    expect(batch.rejected!.every((r) => r.source === 'binance' && r.kind === 'candle' && r.receivedAt === END)).toBe(true);
    expect(batch.rejected![1]!.payload).toEqual(page[2]);
    expect(h.source.health().rejected).toBe(11);
  });

  it('a page that is not an array is quarantined as a response', async () => {
    h = await harness({ bars: {}, now: END });
    h.fake.replies.push({ status: 200, body: { unexpected: true } });
    const batch = await h.source.fetchRange({ from: T0, to: T0 + HOUR });
    expect(batch.candles).toEqual([]);
    expect(batch.rejected).toMatchObject([{ kind: 'response', payload: { unexpected: true } }]);
  });

  it('fetchLatest returns the last two closed bars; several symbols are fetched one after another', async () => {
    const eth = bars.slice(0, 10).map((c) => ({ ...c, symbol: 'ETHUSDT' }));
    h = await harness({ bars: { BTCUSDT: bars.slice(0, 10), ETHUSDT: eth }, now: T0 + 8 * HOUR + 5_000, options: { symbols: ['BTCUSDT', 'ETHUSDT'] } });
    const latest = await h.source.fetchLatest();
    expect(latest.candles!.map((c) => [c.symbol, (c.openTime - T0) / HOUR])).toEqual([
      ['BTCUSDT', 6],
      ['BTCUSDT', 7],
      ['ETHUSDT', 6],
      ['ETHUSDT', 7],
    ]);
    expect(h.fake.requests.map((r) => r.query.get('symbol'))).toEqual(['BTCUSDT', 'ETHUSDT']);
  });

  it('sends no request for an empty range', async () => {
    h = await harness({ bars: { BTCUSDT: bars }, now: END });
    expect((await h.source.fetchRange({ from: T0, to: T0 })).candles).toEqual([]);
    expect(h.fake.requests).toHaveLength(0);
  });
});

describe('binance options', () => {
  it('names the bad field', async () => {
    const { optionsSchema } = await import('./index.js');
    const bad = (o: unknown) => optionsSchema.safeParse(o).error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    expect(bad({ symbol: 'btc-usdt' })).toMatch(/^symbol: expected an upper-case Binance symbol/);
    expect(bad({ interval: '2h' })).toMatch(/^interval:/);
    expect(bad({ pageLimit: 5000 })).toMatch(/^pageLimit:/);
    expect(bad({ baseUrl: 'ftp://x' })).toMatch(/^baseUrl:/);
    expect(bad({ rest: { retries: -1 } })).toMatch(/^rest.retries:/);
    expect(bad({ symbol: 'BTCUSDT', symbols: ['ETHUSDT'] })).toMatch(/^symbols: give "symbol" or "symbols"/);
    expect(optionsSchema.parse({})).toMatchObject({ symbols: ['BTCUSDT'], interval: '1h', baseUrl: 'https://api.binance.com' });
  });
  void RateLimitedError;
});
