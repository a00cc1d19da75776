/**
 * Store helpers for ingestion: open (and migrate) the configured store, and observe every record that
 * goes to quarantine, whichever path wrote it (backfill, bus consumer, runner), so the per-source
 * rejection counter (`satcast_source_rejected_total{source,kind}`) and health count each record once.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RejectedRecord, ResolvedConfig, Store } from '@satcast/core';
import { createStore, migrate } from '@satcast/adapter-store-libsql';

/** Migrate and open the configured store (a `file:` URL's directory is created first). */
export async function openStore(config: Pick<ResolvedConfig, 'store'>): Promise<Store> {
  const url = config.store.url;
  if (url.startsWith('file:')) mkdirSync(dirname(url.slice('file:'.length)), { recursive: true });
  await migrate(url);
  return createStore({ url });
}

/**
 * A view of `store` that calls `onQuarantined(rows)` after each successful `quarantine(rows)` write.
 * A Proxy, not a spread: adapters may be class instances whose methods need their own `this`.
 */
export function observeQuarantine(store: Store, onQuarantined: (rows: readonly RejectedRecord[]) => void): Store {
  const quarantine: Store['quarantine'] = async (rows) => {
    const n = await store.quarantine(rows);
    try {
      onQuarantined(rows);
    } catch {
      // Counting must never fail a write that already happened.
    }
    return n;
  };
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'quarantine') return quarantine;
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
