/** Same shape as `Candle` from @satcast/core (kept dependency-free). */
export interface BundledCandle {
  symbol: string;
  interval: '1h';
  openTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  source: string;
}
/** Absolute path of a bundled file, e.g. `bundledPath('btc_usdt_1h.csv.gz')`. */
export function bundledPath(name: string): string;
/** Decompressed text of a bundled `.csv.gz` file. */
export function readBundledText(name: string): string;
/** Hourly BTCUSDT candles with open time in [from, to). */
export function loadBtcHourly(range?: { from?: number; to?: number }): BundledCandle[];
/** One numeric column of a bundled daily CSV as ascending `{ ts, value }` rows (empty cells skipped). */
export function loadDailyColumn(name: string, column: string): { ts: number; value: number }[];
