/**
 * Options of the Kafka bus, validated once in `createBus`: a wrong broker list or a typo fails at start
 * naming the field, not as a kafkajs connection retry loop minutes later.
 */
import type { KafkaConfig } from 'kafkajs';
import { z } from 'zod';
import { ConfigError, type BusMessage } from '@satcast/core';

export const PLUGIN = 'bus-kafka';

const positiveInt = z.number().int().positive();
/** `host:port`, host a name, IPv4 or bracketed IPv6. */
const BROKER_RE = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

const OptionsSchema = z.strictObject({
  brokers: z.array(z.string().regex(BROKER_RE, 'expected "host:port"')).min(1, 'at least one broker "host:port"'),
  clientId: z.string().regex(/^[A-Za-z0-9._-]+$/).default('satcast'),
  /** Prepended to every topic and group name, so several deployments share one cluster. */
  prefix: z.string().regex(/^[A-Za-z0-9._-]*$/, 'letters, digits and . _ - only').default(''),
  createTopics: z.boolean().default(true),
  numPartitions: positiveInt.max(10_000).default(6),
  replicationFactor: z.number().int().min(-1).max(32).refine((n) => n !== 0, 'must be -1 (broker default) or >= 1').default(-1),
  partitionsConsumedConcurrently: positiveInt.max(1000).default(4),
  sessionTimeoutMs: positiveInt.min(6000).default(30_000),
  heartbeatIntervalMs: positiveInt.default(3000),
  maxDeliveries: positiveInt.max(1000).default(5),
  retryDelayMs: z.number().int().nonnegative().default(50),
  deadLetter: z.boolean().default(true),
  joinTimeoutMs: positiveInt.default(30_000),
  publishTimeoutMs: positiveInt.default(30_000),
});

export interface KafkaBusOptions {
  /** Bootstrap brokers, `host:port`. Required (e.g. `process.env.KAFKA_BROKERS.split(',')`). */
  brokers: string[];
  /** kafkajs client id. Default `satcast`. */
  clientId?: string;
  /** Prefix for topic and group names (Kafka has no namespaces). Default none. */
  prefix?: string;
  /** Create missing topics with `numPartitions` / `replicationFactor` before first use. Default true. */
  createTopics?: boolean;
  /** Partitions of created topics: the unit of per-key order and of parallelism in a group. Default 6. */
  numPartitions?: number;
  /** Replicas of created topics; -1 = broker default. Default -1. */
  replicationFactor?: number;
  /** Partitions one subscription handles at once (order is per partition, so per key). Default 4. */
  partitionsConsumedConcurrently?: number;
  /** Group session timeout; a member silent this long is removed and its partitions reassigned. Default 30 s. */
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** Handler attempts in this process before a message goes to `${topic}.dlq`. Default 5. */
  maxDeliveries?: number;
  /** Wait before retrying a message whose handler threw, doubled per attempt (max 5 s). Default 50 ms. */
  retryDelayMs?: number;
  /** Copy given-up messages to `${topic}.dlq` with the reason in headers. Default true. */
  deadLetter?: boolean;
  /** How long `subscribe` waits for the group join (partition assignment). Default 30 s. */
  joinTimeoutMs?: number;
  /**
   * How long `publish` waits before rejecting with a retryable UNAVAILABLE. The idempotent producer itself
   * retries without limit (kafkajs's advice), so a timed-out message may still be written later. Default 30 s.
   */
  publishTimeoutMs?: number;
  /** Called for a dead-lettered message when the subscription has no `onError`. Default: console.error. */
  onError?(err: unknown, msg: BusMessage): void;
  /** Operational warnings (failed commits, lost connections). Default: console.warn. */
  warn?(message: string): void;
  /** Extra kafkajs client options (ssl, sasl, retry, logLevel) merged over the defaults. */
  kafka?: Partial<KafkaConfig>;
}

export type ResolvedOptions = z.output<typeof OptionsSchema> & {
  onError(err: unknown, msg: BusMessage): void;
  warn(message: string): void;
  kafka: Partial<KafkaConfig>;
};

/** Validate options; every problem names its field, e.g. `[satcast] [bus-kafka] option "brokers.0": ...`. */
export function resolveOptions(opts: KafkaBusOptions): ResolvedOptions {
  if (opts === null || typeof opts !== 'object') {
    throw new ConfigError('options are required: createBus({ brokers: ["host:9092"] })', { plugin: PLUGIN, field: 'brokers' });
  }
  const { onError, warn, kafka, ...plain } = opts;
  for (const [field, fn] of [['onError', onError], ['warn', warn]] as const) {
    if (fn !== undefined && typeof fn !== 'function') throw new ConfigError(`option "${field}" must be a function`, { plugin: PLUGIN, field });
  }
  const parsed = OptionsSchema.safeParse(plain);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.') || 'options';
    throw new ConfigError(`option "${field}": ${issue.message}`, { plugin: PLUGIN, field });
  }
  const o = parsed.data;
  if (o.heartbeatIntervalMs * 3 > o.sessionTimeoutMs) {
    // Kafka's own rule of thumb: a couple of missed heartbeats must not end the session.
    throw new ConfigError(`option "heartbeatIntervalMs" (${o.heartbeatIntervalMs}) must be at most a third of sessionTimeoutMs (${o.sessionTimeoutMs})`, { plugin: PLUGIN, field: 'heartbeatIntervalMs' });
  }
  return {
    ...o,
    onError: onError ?? ((err, msg) => console.error(`[satcast] [${PLUGIN}] gave up on ${msg.topic}@${msg.offset} (key ${msg.key}):`, err)),
    warn: warn ?? ((m) => console.warn(`[satcast] [${PLUGIN}] ${m}`)),
    kafka: kafka ?? {},
  };
}

/** `KAFKA_BROKERS="a:9092,b:9092"` as a broker list; empty when unset. */
export function brokersFromEnv(value = process.env.KAFKA_BROKERS): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

/** Kafka's legal topic characters; the `.dlq` suffix and the prefix keep names legal. */
export const TOPIC_RE = /^[A-Za-z0-9._-]{1,240}$/;
