import { InvalidArgumentError } from 'commander';
import { parseTime } from '@satcast/core';

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
