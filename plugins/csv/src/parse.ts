/**
 * CSV candle parsing. Expected header (any column order, extra columns ignored):
 *
 *   ts,open,high,low,close,volume
 *   1502942400000,4261.48,4313.62,4261.32,4308.83,47.181009
 *
 * `ts` is the candle open time in UTC epoch ms. Bad rows are not dropped silently: each becomes a
 * rejected record with the raw line and the reason (the host writes them to quarantine).
 */
import { CandleSchema, ValidationError, INTERVAL_MS, type Candle, type Interval, type RejectedRecord } from '@satcast/core';

export const REQUIRED_COLUMNS = ['ts', 'open', 'high', 'low', 'close', 'volume'] as const;

export interface ParsedCsv {
  candles: Candle[];
  rejected: RejectedRecord[];
}

export interface ParseOptions {
  symbol: string;
  interval: Interval;
  source: string;
  /** Rows opening after now - interval are not closed yet (or are in the future) and are rejected. */
  now: number;
  /** File name for messages. */
  file?: string;
}

export function parseCandleCsv(text: string, opts: ParseOptions): ParsedCsv {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((h) => h.trim().toLowerCase());
  const idx = Object.fromEntries(REQUIRED_COLUMNS.map((c) => [c, header.indexOf(c)])) as Record<
    (typeof REQUIRED_COLUMNS)[number],
    number
  >;
  const missing = REQUIRED_COLUMNS.filter((c) => idx[c] < 0);
  if (missing.length) {
    throw new ValidationError(
      `${opts.file ?? 'csv'}: header must contain ${REQUIRED_COLUMNS.join(',')}; missing ${missing.join(', ')} (got "${lines[0] ?? ''}")`,
      { plugin: opts.source, field: missing[0] },
    );
  }
  const candles: Candle[] = [];
  const rejected: RejectedRecord[] = [];
  const step = INTERVAL_MS[opts.interval];
  let last = -Infinity;
  const reject = (line: string, lineNo: number, reason: string) =>
    rejected.push({ source: opts.source, kind: 'candle', reason: `line ${lineNo}: ${reason}`, payload: line, receivedAt: opts.now });

  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const cells = line.split(',');
    const num = (col: (typeof REQUIRED_COLUMNS)[number]) => {
      const raw = cells[idx[col]]?.trim() ?? '';
      return raw === '' ? Number.NaN : Number(raw);
    };
    const row = {
      symbol: opts.symbol,
      interval: opts.interval,
      openTime: num('ts'),
      open: num('open'),
      high: num('high'),
      low: num('low'),
      close: num('close'),
      volume: num('volume'),
      source: opts.source,
    };
    const parsed = CandleSchema.safeParse(row);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      reject(line, i + 1, `${issue.path.join('.') || 'row'}: ${issue.message}`);
      continue;
    }
    const c = parsed.data;
    if (c.openTime + step > opts.now) {
      reject(line, i + 1, `openTime ${c.openTime} is not a closed bar at ${opts.now} (future or in progress)`);
      continue;
    }
    if (c.openTime === last) {
      reject(line, i + 1, `duplicate openTime ${c.openTime}`);
      continue;
    }
    if (c.openTime < last) {
      reject(line, i + 1, `openTime ${c.openTime} is out of order (previous ${last})`);
      continue;
    }
    last = c.openTime;
    candles.push(c);
  }
  return { candles, rejected };
}
