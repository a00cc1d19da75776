import { afterAll, expect, it } from 'vitest';
import { testDataSource } from '@satcast/core/testing';
import { HOUR } from '@satcast/core';
import binance, { streamUrl } from './index.js';
import { fakeClock, FakeBinance } from './testing/fake-binance.js';
import { realBars } from './testing/setup.js';

// Real Binance BTCUSDT hourly bars (bundled history) served by a fake Binance on 127.0.0.1.
const T0 = Date.UTC(2024, 0, 1);
const bars = realBars(T0, T0 + 2500 * HOUR);
const clock = fakeClock(bars.at(-1)!.openTime + HOUR + 1_000);
const fake = await FakeBinance.start({ clock, bars: { BTCUSDT: bars } });
fake.onConnection = (c) => c.socket.send(fake.event(bars.at(-1)!, { closed: true }));
afterAll(() => fake.close());

testDataSource({
  plugin: binance,
  options: { baseUrl: fake.restUrl, wsUrl: fake.wsUrl, rest: { backoffInitialMs: 1, backoffMaxMs: 5 } },
  range: { from: T0, to: T0 + 2500 * HOUR },
  ctx: { now: clock.now },
  invalidOptions: [
    { symbol: 'btcusdt' },
    { interval: '2h' },
    { baseUrl: 'not a url' },
    { wsUrl: 'http://example.com' },
    { pageLimit: 0 },
    { symbol: 'BTCUSDT', symbols: ['ETHUSDT'] },
    { rest: { backoffInitialMs: 100, backoffMaxMs: 10 } },
    { extra: 1 },
  ],
  subscribeTimeoutMs: 3000,
  additionalTests: (get) => {
    it('backfills the whole served range over three pages, equal to the history', async () => {
      const before = fake.requests.length;
      const batch = await get().source.fetchRange({ from: T0, to: T0 + 2500 * HOUR });
      expect(batch.candles).toEqual(bars);
      expect(fake.requests.length - before).toBe(3);
    });

    it('declares one candle series per symbol and the Binance weight limit', () => {
      const { def, options } = get();
      expect(def.series(options)).toEqual([{ kind: 'candles', symbol: 'BTCUSDT', interval: '1h' }]);
      expect(def.series(def.optionsSchema.parse({ symbols: ['BTCUSDT', 'ETHUSDT'], interval: '4h' }))).toHaveLength(2);
      expect(def.rateLimit).toEqual({ limit: 6000, windowMs: 60_000, usageHeader: 'X-MBX-USED-WEIGHT-1M' });
    });

    it('builds single and combined stream URLs', () => {
      const parse = (o: object) => binance.optionsSchema.parse(o);
      expect(streamUrl(parse({}))).toBe('wss://stream.binance.com:9443/ws/btcusdt@kline_1h');
      expect(streamUrl(parse({ symbol: 'ETHBTC', interval: '15m', combined: true }))).toBe('wss://stream.binance.com:9443/stream?streams=ethbtc@kline_15m');
      expect(streamUrl(parse({ symbols: ['BTCUSDT', 'ETHUSDT'] }))).toBe('wss://stream.binance.com:9443/stream?streams=btcusdt@kline_1h/ethusdt@kline_1h');
    });

    it('exposes health() on the running source', () => {
      const health = (get().source as unknown as { health(): Record<string, unknown> }).health();
      expect(health).toMatchObject({ state: expect.any(String), requests: expect.any(Number), rejected: 0, weightLimit: 6000 });
    });
  },
});
