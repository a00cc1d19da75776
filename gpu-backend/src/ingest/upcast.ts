/**
 * Schema evolution at the backend's two read points: messages taken off the bus before they are stored,
 * and observation rows read from the store by the pipeline. Both go through core's `UpcasterRegistry`, so
 * a v1 message (an old producer, a row stored before v2, a bus log replayed from an offset) reaches code
 * written for v2. The store is written in the current version only: a v1 batch is upcast before the upsert,
 * old rows are upcast on read (no migration of stored rows needed).
 */
import { observationUpcasters, type Message, type Observation, type RejectedRecord, type SourceBatch, type Store, type UpcasterRegistry } from '@satcast/core';
import { ingestBatch, type IngestResult } from '../pipeline/ingest.js';

/** The backend's registry: observation v1 -> v2 (core `OBSERVATION_V2`). */
export const UPCASTERS: UpcasterRegistry = observationUpcasters();

/**
 * Observations of a batch migrated to the current version; a message that cannot be migrated (a version
 * newer than this backend knows, a missing step) becomes a quarantine record with the reason instead of
 * stopping the consumer.
 */
export function upcastBatch(sourceId: string, batch: SourceBatch, now: number, reg: UpcasterRegistry = UPCASTERS): SourceBatch {
  if (!batch.observations?.length) return batch;
  const { ok, failed } = reg.upcastAll('observation', batch.observations as unknown as Message[]);
  if (!failed.length) return { ...batch, observations: ok as unknown as Observation[] };
  const rejected: RejectedRecord[] = failed.map((f) => ({ source: sourceId, kind: 'observation', reason: `upcast: ${f.reason}`, payload: f.msg, receivedAt: now }));
  return { ...batch, observations: ok as unknown as Observation[], rejected: [...(batch.rejected ?? []), ...rejected] };
}

/** The backend's store consumer: upcast, then validate / upsert / quarantine (`ingestBatch`). */
export function storeBatch(store: Store, sourceId: string, batch: SourceBatch, now: number, reg: UpcasterRegistry = UPCASTERS): Promise<IngestResult> {
  return ingestBatch(store, sourceId, upcastBatch(sourceId, batch, now, reg), now);
}

/**
 * A view of `store` whose `getObservations` returns every row in the current version (rows written by an
 * older backend are v1). A row that cannot be migrated is left out of the read and reported once through
 * `onFailed`; it stays in the store untouched.
 */
export function upcastingStore(store: Store, o: { reg?: UpcasterRegistry; onFailed?(row: Observation, reason: string): void } = {}): Store {
  const reg = o.reg ?? UPCASTERS;
  const getObservations: Store['getObservations'] = async (q) => {
    const rows = await store.getObservations(q);
    if (rows.every((r) => r.schemaVersion === reg.latest('observation'))) return rows;
    const { ok, failed } = reg.upcastAll('observation', rows as unknown as Message[]);
    for (const f of failed) o.onFailed?.(f.msg as unknown as Observation, f.reason);
    return ok as unknown as Observation[];
  };
  // A Proxy, not a spread: adapters may be class instances whose methods need their own `this`.
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'getObservations') return getObservations;
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
