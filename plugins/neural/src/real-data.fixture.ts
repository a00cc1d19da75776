/**
 * Test-only: real hourly BTCUSDT rows from the bundled history with the `ta` plugin's features (dev
 * dependencies; the library never imports them), split in time like the host's walk-forward.
 */
import type { Horizon } from '@satcast/core';
import { loadBtcHourly } from '@satcast/data';
import { splitAtTime, taRows, type TaRows } from '@satcast/plugin-ta/testing';

const cache = new Map<string, TaRows>();

export async function realRows(from: number, to: number, horizon: Horizon): Promise<TaRows> {
  const key = `${from}:${to}:${horizon}`;
  const rows = cache.get(key) ?? (await taRows(loadBtcHourly({ from, to }), horizon));
  cache.set(key, rows);
  return rows;
}

/** Train rows before `cut` (targets known by `cut`), test rows after it, like the host's walk-forward. */
export async function realSplit(horizon: Horizon, trainFrom: number, cut: number, testTo: number) {
  return splitAtTime(await realRows(trainFrom, testTo, horizon), horizon, cut);
}
