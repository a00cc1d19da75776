/**
 * @module @satcast/adapter-cache-redis
 * `Cache` on Redis via ioredis, for several backend instances sharing the latest predictions and feature
 * vectors. Keys live under a prefix (default `satcast:cache:`); values are JSON text; TTLs use Redis's own
 * expiry (`PX`); `keys(prefix)` iterates with SCAN (never KEYS, which blocks the server).
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Cache } from '@satcast/core';

export interface RedisCacheOptions {
  /** `redis://host:port/db`; default `redis://127.0.0.1:6379`. */
  url?: string;
  /** Namespace for every key; lets several deployments share one Redis. */
  prefix?: string;
  redis?: RedisOptions;
}

/**
 * Create a Redis-backed cache.
 * @example
 * const cache = createCache({ url: process.env.REDIS_URL });
 * await cache.set('predictions:latest:BTCUSDT:1h', prediction, { ttlMs: 2 * 3_600_000 });
 */
export function createCache(opts: RedisCacheOptions = {}): Cache {
  const prefix = opts.prefix ?? 'satcast:cache:';
  const redis = new Redis(opts.url ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 2, ...opts.redis });
  return {
    async get<T>(key: string) {
      const raw = await redis.get(prefix + key);
      return raw === null ? undefined : (JSON.parse(raw) as T);
    },
    async set<T>(key: string, value: T, o: { ttlMs?: number } = {}) {
      const json = JSON.stringify(value) ?? 'null';
      if (o.ttlMs && o.ttlMs > 0) await redis.set(prefix + key, json, 'PX', o.ttlMs);
      else await redis.set(prefix + key, json);
    },
    async delete(key: string) {
      await redis.del(prefix + key);
    },
    async keys(p = '') {
      const out: string[] = [];
      // SCAN MATCH treats * ? [ ] specially: escape them in the caller's prefix.
      const match = `${prefix}${p}`.replace(/[*?[\]\\]/g, '\\$&') + '*';
      let cursor = '0';
      do {
        const [next, batch] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 500);
        cursor = next;
        for (const k of batch) out.push(k.slice(prefix.length));
      } while (cursor !== '0');
      return out.sort();
    },
    async close() {
      await redis.quit();
    },
  };
}
