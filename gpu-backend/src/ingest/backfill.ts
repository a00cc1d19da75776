/**
 * Resumable backfill of one source into the store, in chunks of `chunkMs` (30 days), so a long history
 * shows progress and an interruption (Ctrl-C, a ban) loses at most one chunk: the next run starts after
 * the newest stored record. Leading chunks that return nothing double in length (30 d, 60 d, 120 d, ...):
 * a backfill with no `--from` into an empty store finds the start of the history in ~10 empty requests
 * instead of hundreds of 30-day ones from 1970.
 */
import { DAY, INTERVAL_MS, type DataSource, type ResolvedConfig, type SourceBatch, type Store } from '@satcast/core';
import { storeBatch } from './upcast.js';

export const DEFAULT_CHUNK_MS = 30 * DAY;

type SourceRef = ResolvedConfig['resolved']['sources'][number];

export interface BackfillProgress {
  source: string;
  /** Time range of the whole backfill and of the chunk just stored. */
  from: number;
  to: number;
  chunkFrom: number;
  chunkTo: number;
  /** Share of [from, to) covered, 0-1. */
  fraction: number;
  inserted: number;
  updated: number;
  unchanged: number;
  quarantined: number;
}

export interface BackfillSummary extends Omit<BackfillProgress, 'chunkFrom' | 'chunkTo' | 'fraction'> {
  chunks: number;
  /** Set when nothing was fetched, with why (no backfill capability, already up to date). */
  skipped?: string;
}

/**
 * Where a source's backfill resumes: one interval after its newest stored record (candles: per declared
 * symbol/interval, the earliest of them so no symbol is skipped; observations: one day after the newest
 * event time of its series). Undefined when the store holds nothing of it.
 */
export async function resumePoint(store: Store, ref: SourceRef): Promise<number | undefined> {
  let resume: number | undefined;
  for (const s of ref.plugin.series(ref.options as never)) {
    let next: number | undefined;
    if (s.kind === 'candles') {
      const t = await store.latestCandleTime({ symbol: s.symbol, interval: s.interval });
      next = t === undefined ? undefined : t + INTERVAL_MS[s.interval];
    } else {
      const rows = await store.getObservations({ source: ref.plugin.name, series: s.series });
      next = rows.length ? rows[rows.length - 1]!.eventTime + DAY : undefined;
    }
    if (next === undefined) return undefined; // one series has nothing: backfill the whole source
    resume = resume === undefined ? next : Math.min(resume, next);
  }
  return resume;
}

/** Newest stored candle open time of a candle source (the `after` its stream resumes from). */
export async function newestCandle(store: Store, ref: SourceRef): Promise<number | undefined> {
  let newest: number | undefined;
  for (const s of ref.plugin.series(ref.options as never)) {
    if (s.kind !== 'candles') continue;
    const t = await store.latestCandleTime({ symbol: s.symbol, interval: s.interval });
    if (t === undefined) return undefined;
    newest = newest === undefined ? t : Math.min(newest, t);
  }
  return newest;
}

export interface BackfillOptions {
  /** Earliest time wanted (inclusive); the backfill starts at max(from, newest stored + 1 interval). */
  from?: number;
  /** End (exclusive), default now. */
  to: number;
  chunkMs?: number;
  now(): number;
  onProgress?(p: BackfillProgress): void;
  /** Called with each fetched batch after it was stored (health bookkeeping). */
  onBatch?(batch: SourceBatch): void;
}

/** Backfill `source` (a running instance of `ref`) into `store`. Errors (e.g. a ban) propagate. */
export async function backfillSource(store: Store, ref: SourceRef, source: DataSource, o: BackfillOptions): Promise<BackfillSummary> {
  const resume = await resumePoint(store, ref);
  const start = Math.max(o.from ?? 0, resume ?? 0);
  const sum: BackfillSummary = { source: ref.id, from: start, to: o.to, chunks: 0, inserted: 0, updated: 0, unchanged: 0, quarantined: 0 };
  if (!ref.plugin.capabilities.backfill) return { ...sum, skipped: 'the source cannot backfill' };
  if (start >= o.to) return { ...sum, skipped: `up to date (newest stored ends at ${new Date(start).toISOString()})` };
  const chunkMs = o.chunkMs ?? DEFAULT_CHUNK_MS;
  let len = chunkMs;
  let seen = false;
  for (let t = start; t < o.to; ) {
    const end = Math.min(o.to, t + len);
    const batch = await source.fetchRange({ from: t, to: end });
    const res = await storeBatch(store, ref.id, batch, o.now());
    o.onBatch?.(batch);
    sum.chunks++;
    sum.inserted += res.inserted;
    sum.updated += res.updated;
    sum.unchanged += res.unchanged;
    sum.quarantined += res.quarantined;
    if ((batch.candles?.length ?? 0) + (batch.observations?.length ?? 0) > 0) seen = true;
    len = seen ? chunkMs : len * 2;
    o.onProgress?.({ ...sum, chunkFrom: t, chunkTo: end, fraction: (end - start) / (o.to - start) });
    t = end;
  }
  return sum;
}
