import { describe, expect, it } from 'vitest';
import { HOUR } from '@satcast/core';
import { loadBtcHourly } from '@satcast/data';
import { startSatcast } from '../src/runner.js';
import { quietLog, tempDir, testConfig, writeCandlesCsv } from './helpers.js';

const from = Date.UTC(2024, 0, 1);
const to = Date.UTC(2024, 3, 1);

async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met before timeout');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('pipeline', () => {
  it('re-ingesting the same candles leaves the row count unchanged', async () => {
    const dir = tempDir();
    const csv = writeCandlesCsv(dir, from, to);
    const expected = loadBtcHourly({ from, to }).length;
    for (let run = 0; run < 2; run++) {
      const sc = await startSatcast(testConfig(dir, csv), { log: quietLog, live: false, listen: false });
      expect(await sc.store.countCandles({ symbol: 'BTCUSDT', interval: '1h' })).toBe(expected);
      await sc.close();
    }
  }, 60_000);

  it('replays held-back bars as a live feed: new predictions each bar, outcomes scored as targets pass', async () => {
    const dir = tempDir();
    const csv = writeCandlesCsv(dir, from, to);
    const all = loadBtcHourly({ from, to });
    const hold = 6;
    const config = testConfig(dir, csv, {
      sources: [{ plugin: 'csv', options: { path: csv, replay: { holdBackBars: hold, barsPerSecond: 200 } } }],
    });
    const sc = await startSatcast(config, { log: quietLog, listen: false });
    try {
      const startBars = sc.pipeline.status.bars;
      expect(startBars).toBe(all.length - hold);
      await until(() => sc.pipeline.status.bars === all.length);
      expect(sc.pipeline.status.lastIssuedAt).toBe(all.at(-1)!.openTime + HOUR);
      // 1h predictions issued at the first 6 closes (bootstrap + 5 replayed) have realised targets; 4h ones 3.
      const outcomes1h = await sc.store.listOutcomes({ asset: 'BTCUSDT', horizon: '1h', model: 'ewma-band' });
      expect(outcomes1h).toHaveLength(hold);
      for (const o of outcomes1h) {
        const bar = all.find((b) => b.openTime + HOUR === o.targetTime)!;
        expect(o.realized).toBe(bar.close);
      }
      const outcomes4h = await sc.store.listOutcomes({ asset: 'BTCUSDT', horizon: '4h', model: 'ewma-band' });
      expect(outcomes4h).toHaveLength(hold - 3);
      const served = await sc.store.latestPredictions({ asset: 'BTCUSDT', model: 'ewma-band' });
      expect(served.map((p) => p.issuedAt)).toEqual([1, 2, 3].map(() => all.at(-1)!.openTime + HOUR));
    } finally {
      await sc.close();
    }
  }, 60_000);

  it('refuses to start a model whose input feature no feature set produces', async () => {
    const dir = tempDir();
    const csv = writeCandlesCsv(dir, from, to);
    const config = testConfig(dir, csv, { models: [{ plugin: 'ewma-band', options: { volFeature: 'garch_vol' } }] });
    await expect(startSatcast(config, { log: quietLog, listen: false })).rejects.toThrow(/needs feature\(s\) garch_vol/);
  }, 60_000);
});
