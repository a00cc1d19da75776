/**
 * @module @satcast/data
 * Paths to the bundled datasets and a fast loader for the hourly BTCUSDT candles (Node only).
 * See README.md in this folder for sources, licences and known gaps.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/** Absolute path of a bundled file, e.g. `bundledPath('btc_usdt_1h.csv.gz')`. */
export function bundledPath(name) {
  return fileURLToPath(new URL(`./${name}`, import.meta.url));
}

/** Decompressed text of a bundled `.csv.gz` file. */
export function readBundledText(name) {
  return gunzipSync(readFileSync(bundledPath(name))).toString('utf8');
}

const cache = new Map();

/**
 * Hourly BTCUSDT candles (open time in [from, to)) as core `Candle` objects. The bundled file is known
 * clean (checked by the csv plugin's tests); use the csv source for untrusted files.
 */
export function loadBtcHourly({ from = 0, to = Number.MAX_SAFE_INTEGER } = {}) {
  let all = cache.get('1h');
  if (!all) {
    const lines = readBundledText('btc_usdt_1h.csv.gz').split('\n');
    all = [];
    for (let i = 1; i < lines.length; i++) {
      if (!lines[i]) continue;
      const [ts, o, h, l, c, v] = lines[i].split(',');
      all.push({ symbol: 'BTCUSDT', interval: '1h', openTime: +ts, open: +o, high: +h, low: +l, close: +c, volume: +v, source: 'csv' });
    }
    cache.set('1h', all);
  }
  return all.filter((c) => c.openTime >= from && c.openTime < to).map((c) => ({ ...c }));
}

/**
 * One numeric column of a bundled daily CSV (`ts` = 00:00 UTC of the day) as `{ ts, value }` rows,
 * ascending; empty cells (metric not available that day) are skipped, never turned into 0.
 * @example loadDailyColumn('macro/vix_daily.csv.gz', 'close')
 */
export function loadDailyColumn(name, column) {
  const key = `${name}#${column}`;
  let rows = cache.get(key);
  if (!rows) {
    const lines = readBundledText(name).split('\n');
    const header = lines[0].split(',');
    const k = header.indexOf(column);
    if (k < 0) throw new Error(`[satcast] [data] ${name} has no column "${column}" (columns: ${header.join(', ')})`);
    rows = [];
    for (let i = 1; i < lines.length; i++) {
      if (!lines[i]) continue;
      const cells = lines[i].split(',');
      if (cells[k] === '' || cells[k] === undefined) continue;
      rows.push({ ts: +cells[0], value: +cells[k] });
    }
    cache.set(key, rows);
  }
  return rows.map((r) => ({ ...r }));
}
