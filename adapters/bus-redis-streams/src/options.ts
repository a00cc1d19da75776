/**
 * Options of the Redis Streams bus, validated once in `createBus` so a typo fails at start with the field's
 * name instead of as a Redis error on the first publish.
 */
import type { RedisOptions } from 'ioredis';
import { z } from 'zod';
import { ConfigError, type BusMessage } from '@satcast/core';

export const PLUGIN = 'bus-redis-streams';

const positiveInt = z.number().int().positive();

const OptionsSchema = z.strictObject({
  url: z.string().regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL').default('redis://127.0.0.1:6379'),
  /** Key namespace: topic `t` lives in stream `${prefix}t`. */
  prefix: z.string().default('satcast:bus:'),
  consumer: z.string().regex(/^[A-Za-z0-9._:@-]+$/, 'letters, digits and . _ : @ - only').optional(),
  maxLen: z.union([positiveInt, z.literal(false)]).default(100_000),
  batchSize: positiveInt.max(10_000).default(100),
  blockMs: positiveInt.max(60_000).default(2000),
  maxInFlight: positiveInt.default(1000),
  claimIdleMs: positiveInt.default(30_000),
  claimIntervalMs: positiveInt.optional(),
  maxDeliveries: positiveInt.max(1000).default(5),
  retryDelayMs: z.number().int().nonnegative().default(50),
  deadLetter: z.boolean().default(true),
});

export interface RedisBusOptions {
  /** `redis://[user:pass@]host:port[/db]` or `rediss://`; default `redis://127.0.0.1:6379`. */
  url?: string;
  /** Namespace for every stream, so several deployments (or test runs) share one Redis. Default `satcast:bus:`. */
  prefix?: string;
  /**
   * Consumer name inside each group. Set a stable one per instance (e.g. the pod name) so a restarted
   * instance re-reads its own pending entries at once; default `<hostname>-<pid>-<random>`.
   */
  consumer?: string;
  /** Approximate cap per topic stream (`XADD MAXLEN ~`); `false` keeps everything. Default 100,000. */
  maxLen?: number | false;
  /** Entries fetched per `XREADGROUP`/`XAUTOCLAIM` call. Default 100. */
  batchSize?: number;
  /** How long a reader blocks in `XREADGROUP BLOCK` before polling again. Default 2000 ms. */
  blockMs?: number;
  /** Unacknowledged messages a subscription holds before it stops reading (backpressure). Default 1000. */
  maxInFlight?: number;
  /** An entry pending this long on a consumer that stopped heart-beating is reclaimed by another. Default 30 s. */
  claimIdleMs?: number;
  /** How often each subscription runs `XAUTOCLAIM`. Default `claimIdleMs / 2`, clamped to 100 ms..5 s. */
  claimIntervalMs?: number;
  /** Handler attempts (crash redeliveries included) before a message goes to the dead-letter stream. Default 5. */
  maxDeliveries?: number;
  /** Wait before retrying a message whose handler threw, doubled per attempt (max 5 s). Default 50 ms. */
  retryDelayMs?: number;
  /** Copy given-up messages to `${prefix}${topic}:dlq` with the reason. Default true. */
  deadLetter?: boolean;
  /** Called for a dead-lettered message when the subscription has no `onError`. Default: console.error. */
  onError?(err: unknown, msg: BusMessage): void;
  /** Called for operational warnings (lost connection, trimmed pending entries). Default: console.warn. */
  warn?(message: string): void;
  /** Extra ioredis options (TLS, sentinels, timeouts) merged over the defaults. */
  redis?: RedisOptions;
}

export type ResolvedOptions = Required<Omit<z.output<typeof OptionsSchema>, 'consumer' | 'claimIntervalMs'>> & {
  consumer?: string;
  claimIntervalMs: number;
  onError(err: unknown, msg: BusMessage): void;
  warn(message: string): void;
  redis: RedisOptions;
};

/** Validate options; every problem names its field, e.g. `[satcast] [bus-redis-streams] option "maxLen": ...`. */
export function resolveOptions(opts: RedisBusOptions): ResolvedOptions {
  const { onError, warn, redis, ...plain } = opts;
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
  return {
    ...o,
    claimIntervalMs: o.claimIntervalMs ?? Math.min(5000, Math.max(100, Math.floor(o.claimIdleMs / 2))),
    onError: onError ?? ((err, msg) => console.error(`[satcast] [${PLUGIN}] gave up on ${msg.topic}@${msg.offset} (key ${msg.key}):`, err)),
    warn: warn ?? ((m) => console.warn(`[satcast] [${PLUGIN}] ${m}`)),
    redis: redis ?? {},
  };
}

/** Topic names as Kafka allows them, so a topic never contains the `:` used for the `:dlq` suffix. */
export const TOPIC_RE = /^[A-Za-z0-9._-]{1,249}$/;
