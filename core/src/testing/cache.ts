import { afterEach, beforeEach, describe, expect } from 'vitest';
import type { Cache } from '../interfaces/cache.js';
import { caseFor, type SuiteOptions } from './suite.js';

export interface CacheSuiteContext {
  cache: Cache;
}

export interface CacheSuiteOptions extends SuiteOptions<CacheSuiteContext> {
  /** Adapter name shown in the suite title. */
  name: string;
  /** Returns a fresh, empty cache on every call: each test gets its own and closes it. */
  create: () => Promise<Cache>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * The cache contract every `adapters/cache-*` passes: JSON values, overwrite, delete, prefix listing and
 * TTL expiry. TTL cases wait for real (tens of milliseconds) because remote caches expire on their own clock.
 * @example
 * testCache({ name: 'memory', create: async () => createCache() });
 */
export function testCache(opts: CacheSuiteOptions): void {
  const test = caseFor(opts.skip);
  let cache: Cache;

  describe(`cache contract: ${opts.name}`, () => {
    beforeEach(async () => {
      cache = await opts.create();
    });
    afterEach(async () => {
      await cache?.close?.();
    });

    test('get of a missing key is undefined', async () => {
      expect(await cache.get('pred:BTCUSDT:1h')).toBeUndefined();
    });

    test('set then get roundtrips JSON values of every kind', async () => {
      const values: Record<string, unknown> = {
        object: { asset: 'BTCUSDT', point: 60_312.25, quantiles: { p05: 59_800, p95: 60_900 }, conservative: false },
        array: [60_000.5, null, 'x', { nested: true }],
        string: 'champion',
        number: 0.6123,
        zero: 0,
        bool: false,
        nil: null,
      };
      for (const [k, v] of Object.entries(values)) await cache.set(k, v);
      for (const [k, v] of Object.entries(values)) expect(await cache.get(k), k).toEqual(v);
    });

    test('values are stored as JSON: later mutation does not leak and undefined members drop', async () => {
      const v: { point: number; tags: string[]; gone?: undefined } = { point: 60_000, tags: ['a'], gone: undefined };
      await cache.set('k', v);
      v.point = 1;
      v.tags.push('b');
      const got = await cache.get<Record<string, unknown>>('k');
      expect(got).toStrictEqual({ point: 60_000, tags: ['a'] });
      got!.point = 2;
      expect(await cache.get('k')).toStrictEqual({ point: 60_000, tags: ['a'] });
    });

    test('set overwrites, delete removes, deleting a missing key is fine', async () => {
      await cache.set('latest:BTCUSDT', { point: 60_000 });
      await cache.set('latest:BTCUSDT', { point: 60_100 });
      expect(await cache.get('latest:BTCUSDT')).toEqual({ point: 60_100 });
      await cache.delete('latest:BTCUSDT');
      expect(await cache.get('latest:BTCUSDT')).toBeUndefined();
      await expect(cache.delete('never-set')).resolves.toBeUndefined();
    });

    test('keys lists every key, or those starting with a prefix', async () => {
      for (const k of ['pred:BTCUSDT:1h', 'pred:BTCUSDT:4h', 'pred:ETHUSDT:1h', 'fv:BTCUSDT']) await cache.set(k, 1);
      expect((await cache.keys()).sort()).toEqual(['fv:BTCUSDT', 'pred:BTCUSDT:1h', 'pred:BTCUSDT:4h', 'pred:ETHUSDT:1h']);
      expect((await cache.keys('pred:BTCUSDT:')).sort()).toEqual(['pred:BTCUSDT:1h', 'pred:BTCUSDT:4h']);
      expect(await cache.keys('nope:')).toEqual([]);
    });

    test('an entry with a ttl expires and disappears from keys', async () => {
      await cache.set('short', { v: 1 }, { ttlMs: 30 });
      await cache.set('long', { v: 2 }, { ttlMs: 60_000 });
      // No read of 'short' before it expires: on a loaded CI machine 30 ms can pass between two awaits.
      await sleep(80);
      expect(await cache.get('short')).toBeUndefined();
      expect(await cache.keys()).toEqual(['long']);
      expect(await cache.get('long')).toEqual({ v: 2 });
    });

    test('ttl 0 or omitted never expires; a later set without ttl clears the old ttl', async () => {
      await cache.set('a', 1, { ttlMs: 0 });
      await cache.set('b', 2);
      await cache.set('c', 3, { ttlMs: 30 });
      await cache.set('c', 4);
      await sleep(80);
      expect([await cache.get('a'), await cache.get('b'), await cache.get('c')]).toEqual([1, 2, 4]);
    });

    opts.additionalTests?.(() => ({ cache }));
  });
}
