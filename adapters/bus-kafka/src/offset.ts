/**
 * Bus offsets for Kafka. A Kafka position is per partition, but a bus offset must stand alone, so it is
 * `<partition>:<offset>:<timestampMs>` (e.g. `3:1042:1719792000123`). Replaying "from" it means: on its
 * partition, from that exact offset; on every other partition, from the first message with a timestamp at
 * or after it (Kafka's offsets-for-times), i.e. everything published since that message.
 */
import { ValidationError } from '@satcast/core';
import { PLUGIN } from './options.js';

export interface KafkaPosition {
  partition: number;
  /** Kafka offsets are int64: kept as a decimal string, as kafkajs does. */
  offset: string;
  timestamp: number;
}

const OFFSET_RE = /^(\d{1,9}):(\d{1,19}):(\d{1,15})$/;

export function encodeOffset(p: KafkaPosition): string {
  return `${p.partition}:${p.offset}:${p.timestamp}`;
}

export function decodeOffset(s: string): KafkaPosition {
  const m = OFFSET_RE.exec(s);
  if (!m || BigInt(m[2]!) > 9223372036854775807n) {
    throw new ValidationError(`fromOffset "${s}" is not an offset of this bus ("<partition>:<offset>:<timestampMs>", 'earliest' or 'latest')`, { plugin: PLUGIN, field: 'fromOffset' });
  }
  return { partition: Number(m[1]), offset: BigInt(m[2]!).toString(), timestamp: Number(m[3]) };
}

/** The offset to commit after handling `offset`: Kafka commits the *next* position. */
export function nextOffset(offset: string): string {
  return (BigInt(offset) + 1n).toString();
}

export interface PartitionWatermarks {
  partition: number;
  low: string;
  high: string;
}

/**
 * Where each partition of a group starts for a `fromOffset`. `byTime` is offsets-for-times of the position's
 * timestamp (needed only for a position). Offsets are clamped to [low, high] so a trimmed or future offset
 * still gives a valid start.
 */
export function startOffsets(
  from: 'earliest' | 'latest' | KafkaPosition,
  marks: PartitionWatermarks[],
  byTime: { partition: number; offset: string }[] = [],
): { partition: number; offset: string }[] {
  const clamp = (o: bigint, m: PartitionWatermarks) => {
    const lo = BigInt(m.low);
    const hi = BigInt(m.high);
    return (o < lo ? lo : o > hi ? hi : o).toString();
  };
  return marks.map((m) => {
    if (from === 'earliest') return { partition: m.partition, offset: m.low };
    if (from === 'latest') return { partition: m.partition, offset: m.high };
    if (m.partition === from.partition) return { partition: m.partition, offset: clamp(BigInt(from.offset), m) };
    const t = byTime.find((b) => b.partition === m.partition);
    // -1 from offsets-for-times means "no message that new": start at the end.
    const o = t === undefined || BigInt(t.offset) < 0n ? BigInt(m.high) : BigInt(t.offset);
    return { partition: m.partition, offset: clamp(o, m) };
  });
}
