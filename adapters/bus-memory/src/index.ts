/**
 * @module @satcast/adapter-bus-memory
 * In-process `Bus` for a single backend process and for tests: an append-only log per topic and consumer
 * groups with committed offsets, so it behaves like Kafka or Redis Streams (per-key order, at-least-once,
 * replay) without a broker. The log lives in memory and is lost on exit; use a broker adapter to share
 * events between processes.
 */
import { ValidationError, type Bus, type BusMessage, type BusSubscribeOptions, type BusSubscription } from '@satcast/core';
import { ConsumerGroup, type DispatchSettings, type Member } from './group.js';

export interface MemoryBusOptions {
  /** Redeliveries of a message whose handler threw before it is reported to `onError` and skipped. Default 3. */
  maxRetries?: number;
  /** Wait before the first redelivery, doubled on each further one. Default 10 ms. */
  retryDelayMs?: number;
  /** Messages a group may have in flight before it stops reading (backpressure). Default 1000. */
  maxInFlight?: number;
  /** Called for a message that exhausted its retries when the subscription has no `onError`. Default: console.error. */
  onError?(err: unknown, msg: BusMessage): void;
}

interface Topic {
  log: BusMessage[];
  groups: Map<string, ConsumerGroup>;
}

const PLUGIN = 'bus-memory';

/**
 * Create an in-memory bus. Offsets are log positions rendered as decimal strings.
 * @example
 * const bus = createBus();
 * await bus.subscribe({ topic: TOPICS.candles, group: 'store', fromOffset: 'earliest', handler: (m) => store.upsertCandles([m.value]) });
 * await bus.publish(TOPICS.candles, 'BTCUSDT:1h', candle);
 */
export function createBus(opts: MemoryBusOptions = {}): Bus {
  const settings: DispatchSettings = {
    maxRetries: opts.maxRetries ?? 3,
    retryDelayMs: opts.retryDelayMs ?? 10,
    maxInFlight: opts.maxInFlight ?? 1000,
    onError: opts.onError ?? ((err, msg) => console.error(`[satcast] [${PLUGIN}] gave up on ${msg.topic}@${msg.offset} (key ${msg.key}):`, err)),
  };
  const topics = new Map<string, Topic>();
  const members = new Set<{ member: Member; group: ConsumerGroup }>();
  let closed = false;

  const topicOf = (name: string): Topic => {
    let t = topics.get(name);
    if (!t) topics.set(name, (t = { log: [], groups: new Map() }));
    return t;
  };

  const assertOpen = (what: string) => {
    if (closed) throw new Error(`[satcast] [${PLUGIN}] ${what} after close()`);
  };

  return {
    async publish<T>(topic: string, key: string, value: T): Promise<string> {
      assertOpen('publish');
      requireName('topic', topic);
      requireName('key', key);
      const t = topicOf(topic);
      const offset = String(t.log.length);
      // Copy at publish time: later changes by the publisher must not reach consumers.
      t.log.push({ topic, key, value: structuredClone(value), offset, publishedAt: Date.now() });
      for (const g of t.groups.values()) g.pump();
      return offset;
    },

    async subscribe<T>(o: BusSubscribeOptions<T>): Promise<BusSubscription> {
      assertOpen('subscribe');
      requireName('topic', o.topic);
      requireName('group', o.group);
      if (typeof o.handler !== 'function') throw new ValidationError('subscribe: "handler" must be a function', { plugin: PLUGIN, field: 'handler' });
      const t = topicOf(o.topic);
      let group = t.groups.get(o.group);
      if (!group) t.groups.set(o.group, (group = new ConsumerGroup(t.log, t.log.length, settings)));
      // An explicit start moves the whole group, like resetting a Kafka group's offsets.
      if (o.fromOffset !== undefined) group.seek(resolveOffset(o.fromOffset, t.log.length));
      const member: Member = { opts: o as BusSubscribeOptions<unknown>, closed: false, active: new Set() };
      const entry = { member, group };
      members.add(entry);
      group.join(member);
      return {
        async close() {
          if (member.closed) return;
          member.closed = true;
          members.delete(entry);
          entry.group.leave(member);
          await Promise.allSettled([...member.active]);
        },
      };
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      const running: Promise<void>[] = [];
      for (const { member, group } of members) {
        member.closed = true;
        group.leave(member);
        running.push(...member.active);
      }
      members.clear();
      await Promise.allSettled(running);
    },
  };
}

function requireName(field: string, v: unknown): void {
  if (typeof v !== 'string' || v.length === 0) {
    throw new ValidationError(`"${field}" must be a non-empty string`, { plugin: PLUGIN, field });
  }
}

function resolveOffset(from: string, end: number): number {
  if (from === 'earliest') return 0;
  if (from === 'latest') return end;
  const n = Number(from);
  if (!/^\d+$/.test(from) || !Number.isSafeInteger(n)) {
    const msg = `fromOffset "${from}" is not an offset of this bus (use a published offset, 'earliest' or 'latest')`;
    throw new ValidationError(msg, { plugin: PLUGIN, field: 'fromOffset' });
  }
  return Math.min(n, end);
}
