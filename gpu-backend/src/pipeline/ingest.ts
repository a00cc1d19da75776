/**
 * Source batch -> store. The host re-validates what plugins emit (a plugin bug must not corrupt the
 * store): invalid records go to quarantine with the reason, valid ones are upserted idempotently.
 */
import { CandleSchema, ObservationSchema, type Candle, type Observation, type RejectedRecord, type SourceBatch, type Store } from '@satcast/core';

export interface IngestResult {
  candles: Candle[];
  inserted: number;
  unchanged: number;
  updated: number;
  quarantined: number;
}

export async function ingestBatch(store: Store, sourceId: string, batch: SourceBatch, now: number): Promise<IngestResult> {
  const rejected: RejectedRecord[] = [...(batch.rejected ?? [])];
  const candles: Candle[] = [];
  for (const c of batch.candles ?? []) {
    const r = CandleSchema.safeParse(c);
    if (r.success) candles.push(r.data);
    else rejected.push({ source: sourceId, kind: 'candle', reason: `host validation: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, payload: c, receivedAt: now });
  }
  const observations: Observation[] = [];
  for (const o of batch.observations ?? []) {
    const r = ObservationSchema.safeParse(o);
    if (r.success) observations.push(r.data);
    else rejected.push({ source: sourceId, kind: 'observation', reason: `host validation: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, payload: o, receivedAt: now });
  }
  const res = { candles, inserted: 0, unchanged: 0, updated: 0, quarantined: 0 };
  if (candles.length) {
    const u = await store.upsertCandles(candles);
    res.inserted += u.inserted;
    res.unchanged += u.unchanged;
    res.updated += u.updated;
  }
  if (observations.length) {
    const u = await store.upsertObservations(observations);
    res.inserted += u.inserted;
    res.unchanged += u.unchanged;
    res.updated += u.updated;
  }
  if (rejected.length) res.quarantined = await store.quarantine(rejected);
  return res;
}
