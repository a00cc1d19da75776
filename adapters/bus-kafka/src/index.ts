/**
 * @module @satcast/adapter-bus-kafka
 * `Bus` on Apache Kafka (kafkajs). Topic = Kafka topic (created with `numPartitions` if missing), message
 * key = bus key, so the default murmur2 partitioner keeps one key on one partition and Kafka's
 * per-partition order gives per-key order. The producer is idempotent (acks=all, one request in flight), so
 * its own retries neither duplicate nor reorder. Each subscription is one group member with auto-commit
 * off: a message's offset is committed only after its handler resolved (or it was dead-lettered), so
 * delivery is at-least-once and handlers must be idempotent, keyed by `msg.offset`.
 *
 * NOT TESTED against a broker on the machine it was written on: see README ("What is tested where").
 */
import { Kafka, Partitioners, logLevel, type Consumer, type KafkaMessage } from 'kafkajs';
import { UnavailableError, ValidationError, type Bus, type BusMessage, type BusSubscribeOptions, type BusSubscription } from '@satcast/core';
import { deliver } from './deliver.js';
import { positionGroup } from './group.js';
import { decodeOffset, encodeOffset, nextOffset } from './offset.js';
import { PLUGIN, TOPIC_RE, resolveOptions, type KafkaBusOptions } from './options.js';

export type { KafkaBusOptions } from './options.js';
export { brokersFromEnv } from './options.js';
export { decodeOffset, encodeOffset, type KafkaPosition } from './offset.js';

/** The bus, plus the kafkajs client for maintenance (admin tasks, lag inspection). */
export interface KafkaBus extends Bus {
  readonly kafka: Kafka;
  /** Kafka topic of a bus topic (`${prefix}${topic}`); dead letters go to `${kafkaTopic(topic)}.dlq`. */
  kafkaTopic(topic: string): string;
}

/**
 * Create a Kafka bus. Connects on first use.
 * @example
 * const bus = createBus({ brokers: brokersFromEnv(), prefix: 'prod.' });
 * await bus.subscribe({ topic: TOPICS.candles, group: 'store', handler: (m) => store.upsertCandles([m.value]) });
 * const offset = await bus.publish(TOPICS.candles, 'BTCUSDT:1h', candle); // '<partition>:<offset>:<timestampMs>'
 */
export function createBus(opts: KafkaBusOptions): KafkaBus {
  const o = resolveOptions(opts);
  const kafka = new Kafka({ clientId: o.clientId, brokers: o.brokers, logLevel: logLevel.WARN, ...o.kafka });
  // DefaultPartitioner = Java client's murmur2: the same key lands on the same partition as from other clients.
  // Unlimited producer retries, as kafkajs requires for idempotence guarantees (fewer only logs a warning);
  // `publish` is bounded by publishTimeoutMs instead. One request in flight keeps retries in order.
  const producer = kafka.producer({
    idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner,
    retry: { retries: Number.MAX_SAFE_INTEGER },
  });
  const admin = kafka.admin();
  const topics = new Map<string, Promise<void>>();
  const members = new Map<Consumer, { groupId: string; topic: string; stop: () => Promise<void> }>();
  let ready: Promise<void> | undefined;
  let closed = false;

  const kafkaTopic = (topic: string) => `${o.prefix}${topic}`;
  const assertOpen = (what: string) => {
    if (closed) throw new Error(`[satcast] [${PLUGIN}] ${what} after close()`);
  };

  function connect(): Promise<void> {
    ready ??= Promise.all([producer.connect(), admin.connect()]).then(
      () => undefined,
      (err) => {
        ready = undefined; // next call tries again
        throw new UnavailableError(`cannot reach brokers ${o.brokers.join(',')}: ${(err as Error).message}`, { plugin: PLUGIN, cause: err });
      },
    );
    return ready;
  }

  function ensureTopic(name: string): Promise<void> {
    if (!o.createTopics) return Promise.resolve();
    let p = topics.get(name);
    if (!p) {
      p = admin
        .createTopics({ waitForLeaders: true, topics: [{ topic: name, numPartitions: o.numPartitions, replicationFactor: o.replicationFactor }] })
        .then(() => undefined, (err) => {
          topics.delete(name);
          if (/already exists/i.test((err as Error).message)) return;
          throw err;
        });
      topics.set(name, p);
    }
    return p;
  }

  async function deadLetter(topic: string, groupId: string, raw: KafkaMessage, msg: BusMessage, reason: unknown, attempts: number, sub: BusSubscribeOptions<unknown>) {
    if (o.deadLetter) {
      const dlq = `${topic}.dlq`;
      await ensureTopic(dlq);
      await producer.send({ topic: dlq, acks: -1, messages: [{ key: raw.key, value: raw.value, timestamp: raw.timestamp, headers: {
        'satcast-offset': msg.offset, 'satcast-group': groupId, 'satcast-deliveries': String(attempts),
        'satcast-reason': reason instanceof Error ? reason.message : String(reason), 'satcast-failed-at': String(Date.now()),
      } }] });
    }
    try {
      (sub.onError ?? o.onError)(reason, msg);
    } catch {
      // An error reporter that throws must not stop the partition.
    }
  }

  return {
    kafka,
    kafkaTopic,

    async publish<T>(topic: string, key: string, value: T): Promise<string> {
      assertOpen('publish');
      requireTopic(topic);
      requireName('key', key);
      const json = encodeValue(value);
      const t = kafkaTopic(topic);
      await connect();
      await ensureTopic(t);
      const now = Date.now();
      const [meta] = await withTimeout(producer.send({ topic: t, acks: -1, messages: [{ key, value: json, timestamp: String(now) }] }), o.publishTimeoutMs, `publish to ${t}`);
      const offset = meta?.baseOffset ?? meta?.offset;
      if (!meta || offset === undefined) throw new UnavailableError(`no offset in the produce response for ${t}`, { plugin: PLUGIN });
      // With LogAppendTime topics the broker's timestamp is what consumers will see.
      const ts = meta.logAppendTime && meta.logAppendTime !== '-1' ? Number(meta.logAppendTime) : now;
      return encodeOffset({ partition: meta.partition, offset, timestamp: ts });
    },

    async subscribe<T>(s: BusSubscribeOptions<T>): Promise<BusSubscription> {
      assertOpen('subscribe');
      requireTopic(s.topic);
      requireName('group', s.group);
      if (typeof s.handler !== 'function') throw new ValidationError('subscribe: "handler" must be a function', { plugin: PLUGIN, field: 'handler' });
      if (s.fromOffset !== undefined && s.fromOffset !== 'earliest' && s.fromOffset !== 'latest') decodeOffset(s.fromOffset);
      const topic = kafkaTopic(s.topic);
      // One Kafka group per bus group *and topic*, as a Redis consumer group is per stream: members of one
      // Kafka group with different subscriptions confuse kafkajs's assigners, and offsets could not be reset
      // for one topic while the group runs on another.
      const groupId = `${o.prefix}${s.group}@${s.topic}`;
      await connect();
      await ensureTopic(topic);
      const localMembers = [...members.values()].filter((m) => m.groupId === groupId && m.topic === topic).length;
      await positionGroup(admin, { groupId, topic, fromOffset: s.fromOffset, localMembers, settleMs: o.sessionTimeoutMs });

      const consumer = kafka.consumer({ groupId, sessionTimeout: o.sessionTimeoutMs, heartbeatInterval: o.heartbeatIntervalMs, allowAutoTopicCreation: false });
      const sub = s as BusSubscribeOptions<unknown>;
      let stopped = false;
      const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: false });
      await consumer.run({
        autoCommit: false,
        partitionsConsumedConcurrently: o.partitionsConsumedConcurrently,
        eachMessage: async ({ partition, message, heartbeat }) => {
          if (stopped) return; // not committed: the next owner of the partition gets it
          const msg = () => toMessage(s.topic, partition, message);
          const outcome = await deliver(o, {
            handler: sub.handler, message: msg, isClosed: () => stopped, heartbeat,
            deadLetter: (m, reason, attempts) => deadLetter(topic, groupId, message, m, reason, attempts, sub),
          });
          if (outcome === 'aborted') return;
          try {
            await consumer.commitOffsets([{ topic, partition, offset: nextOffset(message.offset) }]);
          } catch (err) {
            // E.g. a rebalance took the partition: the new owner re-reads from the last commit (at-least-once).
            o.warn(`commit ${topic}[${partition}]@${message.offset} failed, it will be redelivered: ${(err as Error).message}`);
          }
        },
      });
      const stop = async () => {
        stopped = true;
        members.delete(consumer);
        await consumer.disconnect(); // waits for the running eachMessage
      };
      members.set(consumer, { groupId, topic, stop });
      const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), o.joinTimeoutMs).unref());
      if ((await Promise.race([joined, timeout])) === 'timeout') {
        await stop().catch(() => undefined);
        throw new UnavailableError(`group "${groupId}" did not join within ${o.joinTimeoutMs} ms`, { plugin: PLUGIN });
      }
      let closing: Promise<void> | undefined;
      return { close: () => (closing ??= stop()) };
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...members.values()].map((m) => m.stop()));
      if (ready) await Promise.allSettled([producer.disconnect(), admin.disconnect()]);
    },
  };
}

/** Reject with a retryable UNAVAILABLE after `ms`; the underlying call may still complete later. */
async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new UnavailableError(`${what} timed out after ${ms} ms (the message may still be written)`, { plugin: PLUGIN })), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function toMessage<T>(topic: string, partition: number, m: KafkaMessage): BusMessage<T> {
  const publishedAt = Number(m.timestamp);
  return {
    topic,
    key: m.key?.toString('utf8') ?? '',
    value: (m.value === null ? null : JSON.parse(m.value.toString('utf8'))) as T,
    offset: encodeOffset({ partition, offset: m.offset, timestamp: publishedAt }),
    publishedAt,
  };
}

function encodeValue(value: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (err) {
    throw new ValidationError(`value is not JSON-serialisable: ${(err as Error).message}`, { plugin: PLUGIN, field: 'value', cause: err });
  }
  if (json === undefined) throw new ValidationError('value is not JSON-serialisable (undefined or a function)', { plugin: PLUGIN, field: 'value' });
  return json;
}

function requireTopic(topic: unknown): void {
  requireName('topic', topic);
  if (!TOPIC_RE.test(topic as string)) throw new ValidationError(`topic "${String(topic)}" must match ${TOPIC_RE}`, { plugin: PLUGIN, field: 'topic' });
}

function requireName(field: string, v: unknown): void {
  if (typeof v !== 'string' || v.length === 0) throw new ValidationError(`"${field}" must be a non-empty string`, { plugin: PLUGIN, field });
}
