/**
 * @module @satcast/plugin-time
 * Calendar and session features for the hour that starts at each row's as-of time (the bar's close, when
 * the next forecast is issued): cyclic hour, weekday and month encodings, weekend flag, and trading-session
 * flags (Asia, Europe, US crypto hours; NYSE regular session with US daylight-saving time, holidays not
 * modelled). Pure functions of the timestamp, so trivially point-in-time.
 */
import { z } from 'zod';
import { defineFeatureSet, fromKernels, HOUR, type FeatureInfo, type KernelSpec } from '@satcast/core';

export const optionsSchema = z.strictObject({});
export type TimeOptions = z.output<typeof optionsSchema>;

const TAU = 2 * Math.PI;
const f = (name: string, description: string): FeatureInfo => ({ name, description, lookback: 0, inputs: ['openTime'] });

/** Start (inclusive) and end (exclusive) of US daylight-saving time in `year`, UTC ms (rules since 2007). */
export function usDstRange(year: number): [number, number] {
  // Second Sunday of March, 02:00 EST (07:00 UTC); first Sunday of November, 02:00 EDT (06:00 UTC).
  const mar1 = new Date(Date.UTC(year, 2, 1)).getUTCDay();
  const nov1 = new Date(Date.UTC(year, 10, 1)).getUTCDay();
  const start = Date.UTC(year, 2, 1 + ((7 - mar1) % 7) + 7, 7);
  const end = Date.UTC(year, 10, 1 + ((7 - nov1) % 7), 6);
  return [start, end];
}

/** Whether the hour [t, t + 1h) overlaps the NYSE regular session (09:30-16:00 New York, weekdays). */
export function nyseOpen(t: number): boolean {
  const d = new Date(t);
  const dow = d.getUTCDay();
  if (dow === 0 || dow === 6) return false;
  const [s, e] = usDstRange(d.getUTCFullYear());
  const offset = t >= s && t < e ? 4 : 5; // hours behind UTC
  const open = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 9 + offset, 30);
  const close = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 16 + offset);
  return t + HOUR > open && t < close;
}

function calendar(): KernelSpec {
  return {
    features: [
      f('hour_sin', 'sin(2 pi hour / 24) of the hour starting at the row as-of time (UTC)'),
      f('hour_cos', 'cos(2 pi hour / 24)'),
      f('dow_sin', 'sin(2 pi weekday / 7), Monday = 0 (UTC)'),
      f('dow_cos', 'cos(2 pi weekday / 7)'),
      f('month_sin', 'sin(2 pi (month - 1) / 12)'),
      f('month_cos', 'cos(2 pi (month - 1) / 12)'),
      f('is_weekend', '1 on Saturday and Sunday (UTC), else 0'),
      f('session_asia', '1 for 00:00-08:00 UTC (Tokyo/Hong Kong/Singapore hours), else 0'),
      f('session_europe', '1 for 07:00-16:00 UTC (London/Frankfurt hours), else 0'),
      f('session_us', '1 for 13:00-21:00 UTC (New York hours), else 0'),
      f('nyse_open', '1 when the hour overlaps the NYSE regular session (09:30-16:00 New York, DST-aware, weekdays; holidays not modelled)'),
    ],
    create: () => ({
      step(b, out, o) {
        const t = b.openTime + HOUR;
        const d = new Date(t);
        const h = d.getUTCHours();
        const dow = (d.getUTCDay() + 6) % 7;
        const m = d.getUTCMonth();
        out[o] = Math.sin((TAU * h) / 24);
        out[o + 1] = Math.cos((TAU * h) / 24);
        out[o + 2] = Math.sin((TAU * dow) / 7);
        out[o + 3] = Math.cos((TAU * dow) / 7);
        out[o + 4] = Math.sin((TAU * m) / 12);
        out[o + 5] = Math.cos((TAU * m) / 12);
        out[o + 6] = dow >= 5 ? 1 : 0;
        out[o + 7] = h < 8 ? 1 : 0;
        out[o + 8] = h >= 7 && h < 16 ? 1 : 0;
        out[o + 9] = h >= 13 && h < 21 ? 1 : 0;
        out[o + 10] = nyseOpen(t) ? 1 : 0;
      },
    }),
  };
}

export default defineFeatureSet<TimeOptions>({
  name: 'time',
  apiVersion: 1,
  description: 'calendar and trading-session features (cyclic hour/weekday/month, weekend and session flags)',
  optionsSchema,
  inputs: [{ kind: 'candles', interval: '1h' }],
  publicationLag: 0,
  ...fromKernels(() => [calendar()]),
});
