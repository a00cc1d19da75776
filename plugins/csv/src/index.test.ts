import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { testDataSource } from '@satcast/core/testing';
import { createPluginContext, HOUR } from '@satcast/core';
import csv from './index.js';

const bundled = fileURLToPath(new URL('../../../data/btc_usdt_1h.csv.gz', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

// 2024-01-01 .. 2024-03-01 of the real Binance history.
const range = { from: Date.UTC(2024, 0, 1), to: Date.UTC(2024, 2, 1) };

testDataSource({
  plugin: csv,
  options: { path: bundled, replay: { holdBackBars: 3, barsPerSecond: 50 } },
  range,
  invalidOptions: [{}, { path: bundled, interval: '2h' }, { path: bundled, replay: { barsPerSecond: 'fast' } }, { path: bundled, extra: 1 }],
  subscribeTimeoutMs: 2000,
  additionalTests: (get) => {
    it('backfill holds back the replayed bars and replay continues the series without gaps', async () => {
      const { source } = get();
      const all = await source.fetchRange({ from: 0, to: Number.MAX_SAFE_INTEGER });
      const candles = all.candles!;
      expect(candles.length).toBe(68_869 - 3);
      const replayed: number[] = [];
      await new Promise<void>((resolve) => {
        void source.subscribe!({
          onBatch: (b) => {
            replayed.push(...b.candles!.map((c) => c.openTime));
            if (replayed.length === 3) resolve();
          },
        });
      });
      expect(replayed[0]).toBe(candles.at(-1)!.openTime + HOUR);
      expect(replayed).toEqual([replayed[0], replayed[0]! + HOUR, replayed[0]! + 2 * HOUR]);
      expect(replayed[2]).toBe(Date.UTC(2025, 5, 30, 23));
    });

    it('reads real prices: 2024-12 closes lie in the published range', async () => {
      const dec = await get().source.fetchRange({ from: Date.UTC(2024, 11, 1), to: Date.UTC(2025, 0, 1) });
      const closes = dec.candles!.map((c) => c.close);
      expect(Math.min(...closes)).toBeCloseTo(91_884, -2);
      expect(Math.max(...closes)).toBeCloseTo(108_258, -2);
    });
  },
});

describe('csv: bad input', () => {
  it('rejects bad rows with reasons instead of dropping them', async () => {
    const ctx = createPluginContext({ now: () => Date.UTC(2025, 0, 1) });
    const source = await csv.create(csv.optionsSchema.parse({ path: fixture('bad.csv') }), ctx);
    const batch = await source.fetchRange({ from: 0, to: Number.MAX_SAFE_INTEGER });
    expect(batch.candles!.map((c) => c.openTime)).toEqual([1719792000000, 1719795600000, 1719806400000, 1719810000000]);
    const reasons = batch.rejected!.map((r) => r.reason);
    expect(reasons).toHaveLength(6);
    expect(reasons[0]).toMatch(/line 3: .*(high < low|open outside)/);
    expect(reasons[1]).toMatch(/line 5: open/);
    expect(reasons[2]).toMatch(/line 6: volume/);
    expect(reasons[3]).toMatch(/line 8: duplicate openTime/);
    expect(reasons[4]).toMatch(/line 9: openTime: not on the 1h grid/);
    expect(reasons[5]).toMatch(/line 10: openTime 1719799200000 is out of order/);
    expect(batch.rejected![0]!.payload).toBe('1719795600000,61100,61050,61200,61150,99.1');
    // Reported once: a second backfill does not quarantine the same rows again.
    expect((await source.fetchRange({ from: 0, to: Number.MAX_SAFE_INTEGER })).rejected).toBeUndefined();
  });

  it('rejects bars that have not closed yet', async () => {
    const ctx = createPluginContext({ now: () => 1719806400000 + 30 * 60_000 });
    const source = await csv.create(csv.optionsSchema.parse({ path: fixture('bad.csv') }), ctx);
    const batch = await source.fetchRange({ from: 0, to: Number.MAX_SAFE_INTEGER });
    expect(batch.candles!.map((c) => c.openTime)).toEqual([1719792000000, 1719795600000, 1719799200000]);
    expect(batch.rejected!.some((r) => /not a closed bar/.test(r.reason))).toBe(true);
  });

  it('names the missing columns of a bad header', async () => {
    await expect(csv.create(csv.optionsSchema.parse({ path: fixture('bad-header.csv') }), createPluginContext())).rejects.toThrow(
      /missing ts, volume/,
    );
  });

  it('names the path it cannot read', async () => {
    await expect(csv.create(csv.optionsSchema.parse({ path: '/nonexistent/x.csv' }), createPluginContext())).rejects.toThrow(
      /\[satcast\] \[csv\] cannot read "\/nonexistent\/x.csv"/,
    );
  });
});
