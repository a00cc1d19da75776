import { InvalidArgumentError } from 'commander';
import { HorizonSchema, parseTime, type Horizon } from '@satcast/core';

/** Commander argument parser for a TCP port. */
export function parsePort(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535) throw new InvalidArgumentError('expected an integer port 0-65535');
  return n;
}

/** Commander argument parser for a time: ISO date/date-time (UTC) or epoch ms. */
export function parseTimeArg(v: string): number {
  const t = parseTime(v);
  if (t === undefined) throw new InvalidArgumentError('expected an ISO date (2024-01-31), date-time or epoch ms');
  return t;
}

/** Commander argument parser for a comma-separated list. */
export const parseList = (v: string): string[] => v.split(',').map((s) => s.trim()).filter(Boolean);

/** Commander argument parser for a comma-separated list of horizons. */
export function parseHorizons(v: string): Horizon[] {
  return parseList(v).map((h) => {
    const r = HorizonSchema.safeParse(h);
    if (!r.success) throw new InvalidArgumentError(`unknown horizon "${h}" (use 1h, 4h, 24h)`);
    return r.data;
  });
}
