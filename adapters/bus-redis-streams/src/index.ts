/**
 * @module @satcast/adapter-bus-redis-streams
 * `Bus` on Redis Streams (ioredis), for several backend processes sharing one event log. One stream per
 * topic (`${prefix}${topic}`, trimmed with `XADD MAXLEN ~`), one Redis consumer group per bus group, one
 * consumer per subscription. Offsets are stream ids. Delivery is at-least-once: a message is acked only
 * after its handler resolved, so after a crash it is handled again by whoever reclaims it. Handlers must
 * be idempotent, keyed by `msg.offset` (or by the payload's own identity, e.g. candle open time).
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { ValidationError, type Bus, type BusSubscribeOptions, type BusSubscription } from '@satcast/core';
import { StreamConsumer } from './consumer.js';
import { encodeFields, groupStart } from './entry.js';
import { PLUGIN, TOPIC_RE, resolveOptions, type RedisBusOptions } from './options.js';

export type { RedisBusOptions } from './options.js';
export { groupStart, parseStreamId } from './entry.js';

/** The bus, plus the command connection for maintenance (inspecting streams, XINFO, dead letters). */
export interface RedisBus extends Bus {
  readonly redis: Redis;
  /** Stream key of a topic (`${prefix}${topic}`); its dead letters are at `${streamKey(topic)}:dlq`. */
  streamKey(topic: string): string;
}

/**
 * Create a Redis Streams bus. Connects lazily; commands fail with ioredis's error when Redis is down.
 * @example
 * const bus = createBus({ url: process.env.REDIS_URL, consumer: process.env.HOSTNAME });
 * await bus.subscribe({ topic: TOPICS.candles, group: 'store', handler: (m) => store.upsertCandles([m.value]) });
 * const offset = await bus.publish(TOPICS.candles, 'BTCUSDT:1h', candle); // e.g. '1719792000000-0'
 */
export function createBus(opts: RedisBusOptions = {}): RedisBus {
  const o = resolveOptions(opts);
  const instance = randomUUID().slice(0, 8);
  const base = o.consumer ?? `${hostname().replace(/[^A-Za-z0-9._-]/g, '_')}-${process.pid}-${instance}`;
  const redis = new Redis(o.url, { maxRetriesPerRequest: 2, connectionName: `satcast-bus:${base}:cmd`, ...o.redis });
  redis.on('error', (err) => warnOnce(`connection error: ${err.message}`));
  const consumers = new Set<StreamConsumer>();
  const names = new Set<string>();
  let closed = false;

  // ioredis emits one 'error' per reconnect attempt; say it once per outage, not every 100 ms.
  let lastWarning = '';
  function warnOnce(m: string) {
    if (m !== lastWarning) o.warn((lastWarning = m));
  }
  redis.on('ready', () => (lastWarning = ''));

  const streamKey = (topic: string) => `${o.prefix}${topic}`;
  const assertOpen = (what: string) => {
    if (closed) throw new Error(`[satcast] [${PLUGIN}] ${what} after close()`);
  };

  /** Create the group, or move it when the subscriber asked for a position (like resetting Kafka offsets). */
  async function ensureGroup(stream: string, group: string, from: string | undefined): Promise<void> {
    const start = from === undefined ? '$' : groupStart(from);
    try {
      await redis.xgroup('CREATE', stream, group, start, 'MKSTREAM');
    } catch (err) {
      if (!/BUSYGROUP/.test((err as Error).message)) throw err;
      if (from !== undefined) await redis.xgroup('SETID', stream, group, start);
    }
  }

  /** Consumer names are unique per stream and group within this bus, stable across restarts when `consumer` is set. */
  function consumerName(stream: string, group: string): string {
    for (let i = 1; ; i++) {
      const name = i === 1 ? base : `${base}#${i}`;
      const id = `${stream}\n${group}\n${name}`;
      if (!names.has(id)) {
        names.add(id);
        return name;
      }
    }
  }

  return {
    redis,
    streamKey,

    async publish<T>(topic: string, key: string, value: T): Promise<string> {
      assertOpen('publish');
      requireTopic(topic);
      requireName('key', key);
      const fields = encodeFields(key, value, Date.now());
      const trim = o.maxLen === false ? [] : ['MAXLEN', '~', String(o.maxLen)];
      const id = await redis.xadd(streamKey(topic), ...(trim as []), '*', ...fields);
      return id!;
    },

    async subscribe<T>(s: BusSubscribeOptions<T>): Promise<BusSubscription> {
      assertOpen('subscribe');
      requireTopic(s.topic);
      requireName('group', s.group);
      if (typeof s.handler !== 'function') throw new ValidationError('subscribe: "handler" must be a function', { plugin: PLUGIN, field: 'handler' });
      if (s.fromOffset !== undefined) groupStart(s.fromOffset); // validate before touching Redis
      const stream = streamKey(s.topic);
      await ensureGroup(stream, s.group, s.fromOffset);
      const name = consumerName(stream, s.group);
      const reader = redis.duplicate({ connectionName: `satcast-bus:${name}:read` });
      reader.on('error', (err) => warnOnce(`reader connection error: ${err.message}`));
      const consumer = new StreamConsumer(redis, reader, { topic: s.topic, stream, dlq: `${stream}:dlq`, group: s.group, name, sub: s as BusSubscribeOptions<unknown> }, o);
      consumers.add(consumer);
      consumer.start();
      return {
        async close() {
          if (!consumers.delete(consumer)) return;
          await consumer.close();
          names.delete(`${stream}\n${s.group}\n${name}`);
        },
      };
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...consumers].map((c) => c.close()));
      consumers.clear();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

function requireTopic(topic: unknown): void {
  requireName('topic', topic);
  if (!TOPIC_RE.test(topic as string)) {
    throw new ValidationError(`topic "${String(topic)}" must match ${TOPIC_RE} (as Kafka topics)`, { plugin: PLUGIN, field: 'topic' });
  }
}

function requireName(field: string, v: unknown): void {
  if (typeof v !== 'string' || v.length === 0) {
    throw new ValidationError(`"${field}" must be a non-empty string`, { plugin: PLUGIN, field });
  }
}
