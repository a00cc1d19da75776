import { expect, it } from 'vitest';
import { testCache } from '@satcast/core/testing';
import { createCache } from './index.js';

testCache({
  name: 'memory',
  create: async () => createCache(),
  additionalTests: () => {
    it('evicts the least recently used entry beyond maxEntries', async () => {
      const cache = createCache({ maxEntries: 3 });
      for (const k of ['a', 'b', 'c']) await cache.set(k, k);
      await cache.get('a'); // 'a' is now the most recently used, so 'b' goes first
      await cache.set('d', 'd');
      expect((await cache.keys()).sort()).toEqual(['a', 'c', 'd']);
      await cache.set('e', 'e');
      expect((await cache.keys()).sort()).toEqual(['a', 'd', 'e']);
    });

    it('expires on the injected clock without waiting', async () => {
      let t = 1_719_792_000_000;
      const cache = createCache({ now: () => t });
      await cache.set('pred', { point: 60_000 }, { ttlMs: 1000 });
      t += 999;
      expect(await cache.get('pred')).toEqual({ point: 60_000 });
      t += 1;
      expect(await cache.get('pred')).toBeUndefined();
    });

    it('setting undefined deletes the key', async () => {
      const cache = createCache();
      await cache.set('k', 1);
      await cache.set('k', undefined);
      expect(await cache.keys()).toEqual([]);
    });

    it('rejects a non-positive maxEntries with the option name', () => {
      expect(() => createCache({ maxEntries: 0 })).toThrow(/maxEntries/);
    });
  },
});
