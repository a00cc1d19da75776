import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { resolveConfig, type Candle, type SatcastConfigInput } from '@satcast/core';
import { loadBtcHourly } from '@satcast/data';
import { builtinRegistry } from '../src/plugins.js';
import { KEYS, type HorizonResult } from '../src/backtest/walk-forward.js';

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'satcast-test-'));
}

/** Write a slice of the real bundled history as a gzip CSV, like a user's own candles file. */
export function writeCandlesCsv(dir: string, from: number, to: number): string {
  const rows = loadBtcHourly({ from, to }).map((c) => `${c.openTime},${c.open},${c.high},${c.low},${c.close},${c.volume}`);
  const path = join(dir, 'candles.csv.gz');
  writeFileSync(path, gzipSync(`ts,open,high,low,close,volume\n${rows.join('\n')}\n`));
  return path;
}

export function testConfig(dir: string, csvPath: string, overrides: Partial<SatcastConfigInput> = {}) {
  return resolveConfig(
    {
      store: { url: `file:${join(dir, 'store.db')}` },
      sources: [{ plugin: 'csv', options: { path: csvPath, replay: { holdBackBars: 0 } } }],
      features: [{ plugin: 'ta' }],
      models: [{ plugin: 'persistence' }, { plugin: 'ewma-band' }],
      servedModel: 'ewma-band',
      server: { port: 0 },
      ...overrides,
    },
    builtinRegistry(),
  );
}

export const quietLog = { debug() {}, info() {}, warn() {}, error() {} };

/** Write candles as a gzip CSV (the backtest's `--candles` format). */
export function writeCsv(dir: string, name: string, candles: readonly Candle[]): string {
  const path = join(dir, name);
  writeFileSync(path, gzipSync(`ts,open,high,low,close,volume\n${candles.map((c) => `${c.openTime},${c.open},${c.high},${c.low},${c.close},${c.volume}`).join('\n')}\n`));
  return path;
}

/** Every forecast issued at or before `t`, per horizon and model, as comparable rows (look-ahead tests). */
export function issuedBy(results: HorizonResult[], t: number): Record<string, number[][]> {
  const out: Record<string, number[][]> = {};
  for (const r of results) {
    for (const [model, s] of Object.entries(r.byModel)) {
      const rows: number[][] = [];
      r.issuedAt.forEach((at, i) => {
        if (at <= t) rows.push([at, s.point[i]!, s.pUp[i]!, s.conservative[i]!, ...KEYS.map((k) => s.q[k][i]!)]);
      });
      out[`${r.horizon}:${model}`] = rows;
    }
  }
  return out;
}
