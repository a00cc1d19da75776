/**
 * @module @satcast/adapter-cache-memory
 * In-process `Cache`: a Map kept in least-recently-used order, bounded by `maxEntries`, with per-entry TTLs.
 * Values are stored as JSON text, so callers get the same copy semantics as from Redis: later mutation of
 * a value set or got never leaks into the cache, and non-JSON members (undefined, functions) drop.
 */
import type { Cache } from '@satcast/core';

export interface MemoryCacheOptions {
  /** Upper bound on live entries; the least recently used is evicted first. Default 10,000. */
  maxEntries?: number;
  /** Clock, for tests. Default `Date.now`. */
  now?: () => number;
}

interface Entry {
  json: string;
  /** Epoch ms after which the entry is gone; Infinity for no expiry. */
  expiresAt: number;
}

/**
 * Create an in-memory LRU cache with TTLs.
 * @example
 * const cache = createCache({ maxEntries: 1000 });
 * await cache.set('pred:BTCUSDT:1h', prediction, { ttlMs: 60_000 });
 * const p = await cache.get<Prediction>('pred:BTCUSDT:1h');
 */
export function createCache(opts: MemoryCacheOptions = {}): Cache {
  const maxEntries = opts.maxEntries ?? 10_000;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new RangeError(`[satcast] [cache-memory] option "maxEntries" must be a positive integer, got ${maxEntries}`);
  }
  const now = opts.now ?? Date.now;
  // Map iteration order is insertion order; re-inserting on access keeps the oldest-used entry first.
  const entries = new Map<string, Entry>();

  const live = (key: string): Entry | undefined => {
    const e = entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return e;
  };

  return {
    async get<T>(key: string): Promise<T | undefined> {
      const e = live(key);
      if (!e) return undefined;
      entries.delete(key);
      entries.set(key, e);
      return JSON.parse(e.json) as T;
    },

    async set<T>(key: string, value: T, o?: { ttlMs?: number }): Promise<void> {
      const json = JSON.stringify(value);
      // JSON has no undefined: storing it would make get() ambiguous, so treat it as a delete (as unstorage does).
      if (json === undefined) {
        entries.delete(key);
        return;
      }
      const ttl = o?.ttlMs ?? 0;
      entries.delete(key);
      entries.set(key, { json, expiresAt: ttl > 0 ? now() + ttl : Number.POSITIVE_INFINITY });
      if (entries.size > maxEntries) evict();
    },

    async delete(key: string): Promise<void> {
      entries.delete(key);
    },

    async keys(prefix = ''): Promise<string[]> {
      const out: string[] = [];
      for (const key of [...entries.keys()]) if (key.startsWith(prefix) && live(key)) out.push(key);
      return out;
    },

    async close(): Promise<void> {
      entries.clear();
    },
  };

  /** Drop least recently used entries; expired ones are dropped lazily when touched, to keep set() O(1). */
  function evict(): void {
    for (const key of entries.keys()) {
      if (entries.size <= maxEntries) break;
      entries.delete(key);
    }
  }
}
