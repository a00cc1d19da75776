/**
 * The bus the backend publishes source batches on: in-memory (one process, the default), Redis Streams
 * (consumer groups, XACK, reclaim of a crashed consumer's pending entries) or Kafka (kafkajs). Every
 * consumer goes through the `Bus` interface and is idempotent at the store, so the choice changes where
 * the log lives, not what is stored. Broker adapters are imported on demand: a memory-bus process never
 * loads ioredis' stream consumer or kafkajs.
 *
 * Core's config schema knows only `bus.adapter: "memory"` today, so a broker is chosen per process
 * (`satcast ingest run --bus redis-streams --bus-url redis://…`). Once the schema lists the broker
 * adapters, pass `config.bus` here and the runner gets them too.
 */
import { ConfigError, type Bus, type ResolvedConfig } from '@satcast/core';
import { createBus as createMemoryBus } from '@satcast/adapter-bus-memory';

export const BUS_ADAPTERS = ['memory', 'redis-streams', 'kafka'] as const;
export type BusAdapter = (typeof BUS_ADAPTERS)[number];

export interface BusChoice {
  adapter: BusAdapter;
  /** redis-streams: `redis://host:port` (default redis://127.0.0.1:6379); kafka: `host:port[,host:port]` (default $KAFKA_BROKERS). */
  url?: string;
  /** Stream / topic name prefix (several deployments on one broker). */
  prefix?: string;
}

/** Create the chosen bus (default: the configured one, in-memory). */
export async function createConfiguredBus(config: Pick<ResolvedConfig, 'bus'>, choice?: BusChoice): Promise<Bus> {
  const adapter: BusAdapter = choice?.adapter ?? config.bus.adapter;
  switch (adapter) {
    case 'memory':
      return createMemoryBus();
    case 'redis-streams': {
      const { createBus } = await import('@satcast/adapter-bus-redis-streams');
      return createBus({ ...(choice?.url ? { url: choice.url } : {}), ...(choice?.prefix ? { prefix: choice.prefix } : {}) });
    }
    case 'kafka': {
      const { createBus, brokersFromEnv } = await import('@satcast/adapter-bus-kafka');
      const brokers = choice?.url ? choice.url.split(',').map((b) => b.trim()).filter(Boolean) : brokersFromEnv();
      if (!brokers.length) throw new ConfigError('the kafka bus needs brokers: --bus-url host:9092[,host:9092] or KAFKA_BROKERS', { field: '--bus-url' });
      return createBus({ brokers, ...(choice?.prefix ? { prefix: choice.prefix } : {}) });
    }
    default:
      throw new ConfigError(`unknown bus adapter "${String(adapter)}" (known: ${BUS_ADAPTERS.join(', ')})`, { field: '--bus' });
  }
}
