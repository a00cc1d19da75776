/**
 * Time rules. All times are integer UTC epoch milliseconds. A candle is identified by its open time and
 * becomes available when it closes: a 1h candle opened at 10:00 is available at 11:00.
 */
import { z } from 'zod';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export const IntervalSchema = z.enum(['1m', '5m', '15m', '1h', '4h', '1d']);
export type Interval = z.infer<typeof IntervalSchema>;

export const INTERVAL_MS: Record<Interval, number> = {
  '1m': MINUTE,
  '5m': 5 * MINUTE,
  '15m': 15 * MINUTE,
  '1h': HOUR,
  '4h': 4 * HOUR,
  '1d': DAY,
};

export const HorizonSchema = z.enum(['1h', '4h', '24h']);
export type Horizon = z.infer<typeof HorizonSchema>;
export const HORIZONS: readonly Horizon[] = HorizonSchema.options;
export const HORIZON_MS: Record<Horizon, number> = { '1h': HOUR, '4h': 4 * HOUR, '24h': DAY };

/** Time a candle opened at `openTime` becomes public. */
export function candleAvailableAt(openTime: number, interval: Interval): number {
  return openTime + INTERVAL_MS[interval];
}

/** Whether `t` lies on the interval grid (UTC-aligned). */
export function isOnGrid(t: number, interval: Interval): boolean {
  return Number.isInteger(t) && t % INTERVAL_MS[interval] === 0;
}

/** Floor `t` to the interval grid. */
export function floorToGrid(t: number, interval: Interval): number {
  const step = INTERVAL_MS[interval];
  return Math.floor(t / step) * step;
}

/**
 * Parse a user-supplied time: epoch ms (number or digits) or an ISO-8601 date/date-time (UTC when no
 * offset is given). Returns `undefined` for anything else so callers can name the bad field.
 */
export function parseTime(input: string | number): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) ? Math.trunc(input) : undefined;
  const s = input.trim();
  if (/^\d{9,}$/.test(s)) return Number(s);
  if (!/^\d{4}-\d{2}-\d{2}/.test(s)) return undefined;
  const iso = /[zZ]|[+-]\d{2}:?\d{2}$/.test(s) || s.length === 10 ? s : `${s}Z`;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : undefined;
}

/** ISO-8601 rendering used in API responses. */
export function toIso(t: number): string {
  return new Date(t).toISOString();
}
