/**
 * Stream ids as bus offsets, and the field layout of one stream entry. An offset is the entry id Redis
 * assigned (`<ms>-<seq>`), so offsets order like the stream and can be given back as `fromOffset`.
 */
import { ValidationError, type BusMessage } from '@satcast/core';
import { PLUGIN } from './options.js';

const ID_RE = /^(\d{1,20})-(\d{1,20})$/;
const MAX_SEQ = 18446744073709551615n;

/** Parse `<ms>-<seq>`; undefined when it is not a stream id. */
export function parseStreamId(id: string): { ms: bigint; seq: bigint } | undefined {
  const m = ID_RE.exec(id);
  if (!m) return undefined;
  const ms = BigInt(m[1]!);
  const seq = BigInt(m[2]!);
  return ms > MAX_SEQ || seq > MAX_SEQ ? undefined : { ms, seq };
}

/**
 * The group start for `fromOffset`. Redis starts a group *after* its last-delivered id, but `fromOffset` is
 * inclusive, so an offset maps to the id just before it (`5-0` -> `4-18446744073709551615`).
 */
export function groupStart(from: string): string {
  if (from === 'earliest') return '0';
  if (from === 'latest') return '$';
  const id = parseStreamId(from);
  if (!id) {
    throw new ValidationError(`fromOffset "${from}" is not a stream id like "1719792000000-0" (or 'earliest' / 'latest')`, { plugin: PLUGIN, field: 'fromOffset' });
  }
  if (id.seq > 0n) return `${id.ms}-${id.seq - 1n}`;
  if (id.ms > 0n) return `${id.ms - 1n}-${MAX_SEQ}`;
  return '0';
}

/** One entry as read from the stream, the value still as JSON so every attempt parses a fresh copy. */
export interface RawEntry {
  id: string;
  key: string;
  json: string;
  publishedAt: number;
}

/** Field list for XADD: short names, since they are stored with every entry. */
export function encodeFields(key: string, value: unknown, now: number): string[] {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (err) {
    throw new ValidationError(`value is not JSON-serialisable: ${(err as Error).message}`, { plugin: PLUGIN, field: 'value', cause: err });
  }
  if (json === undefined) throw new ValidationError('value is not JSON-serialisable (undefined or a function)', { plugin: PLUGIN, field: 'value' });
  return ['k', key, 'v', json, 't', String(now)];
}

/** Decode `[id, [f1, v1, ...]]`; `fields` is null for an entry trimmed away while still pending. */
export function decodeEntry(id: string, fields: string[] | null): RawEntry | undefined {
  if (!fields) return undefined;
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
  if (f.k === undefined || f.v === undefined) return undefined;
  const t = Number(f.t);
  return { id, key: f.k, json: f.v, publishedAt: Number.isFinite(t) ? t : Number(id.split('-')[0]) };
}

export function toMessage<T>(topic: string, e: RawEntry): BusMessage<T> {
  return { topic, key: e.key, value: JSON.parse(e.json) as T, offset: e.id, publishedAt: e.publishedAt };
}
