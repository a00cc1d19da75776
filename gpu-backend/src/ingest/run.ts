/**
 * `satcast ingest`: the ingestion half of the runner, on its own (no pipeline, no HTTP server), for
 * backfilling a store and for running the live feed as a separate process.
 *
 *   backfill: source.fetchRange (30-day chunks) --> upcast --> store (idempotent upsert, quarantine)
 *   live:     source.subscribe / polling --> bus (satcast.candles) --> upcast --> store
 *
 * The live subscription of a candle source starts `after` the newest stored bar, so the source's own gap
 * backfill (Binance: REST after each reconnect) covers the time between backfill and stream.
 */
import {
  consoleLogger,
  createPluginContext,
  ConfigError,
  subscribeAny,
  TOPICS,
  type Bus,
  type BusSubscription,
  type DataSource,
  type Logger,
  type ResolvedConfig,
  type SourceBatch,
  type Store,
  type Subscription,
  type SubscribeOptions,
} from '@satcast/core';
import { createMetrics, type Metrics } from '../metrics/metrics.js';
import { backfillSource, newestCandle, type BackfillProgress, type BackfillSummary } from './backfill.js';
import { createConfiguredBus, type BusChoice } from './bus.js';
import { sourcesHealth, type HostSourceHealth, type MergedSourceHealth } from './health.js';
import { observeQuarantine, openStore } from './store.js';
import { storeBatch } from './upcast.js';

export interface IngestOptions {
  /** Source ids to run (default: every configured source). */
  sources?: string[];
  from?: number;
  /** Backfill end (exclusive), default now. */
  to?: number;
  chunkMs?: number;
  /** After the backfill, subscribe and keep storing until `close()` (`satcast ingest run`). Default false. */
  live?: boolean;
  /** Where the store consumer group starts on the bus (`'earliest'` replays the whole log). Default: its committed position. */
  fromOffset?: string;
  /** Poll period for sources without a native stream. Default 60 s. */
  pollMs?: number;
  /** Clock handed to the plugins (tests run a virtual one). Default Date.now. */
  now?: () => number;
  log?: Logger;
  /** A broker bus for this process (default: the configured bus, in-memory). Ignored when `bus` is given. */
  busChoice?: BusChoice;
  /** Defaults: the configured store / bus, a fresh metrics registry. */
  store?: Store;
  bus?: Bus;
  metrics?: Metrics;
  onProgress?(p: BackfillProgress): void;
}

export interface Ingest {
  store: Store;
  /** The bus batches go through (live only). */
  bus?: Bus;
  metrics: Metrics;
  backfill: BackfillSummary[];
  /** Per-source health: host bookkeeping merged with each source's own `health()`. */
  health(): MergedSourceHealth[];
  close(): Promise<void>;
}

/** Backfill the selected sources, then (with `live`) subscribe them through the bus into the store. */
export async function startIngest(config: ResolvedConfig, o: IngestOptions = {}): Promise<Ingest> {
  const now = o.now ?? (() => Date.now());
  const log = o.log ?? consoleLogger('ingest');
  const refs = config.resolved.sources.filter((r) => !o.sources || o.sources.includes(r.id));
  const unknown = (o.sources ?? []).filter((id) => !config.resolved.sources.some((r) => r.id === id));
  if (unknown.length) {
    const known = config.resolved.sources.map((r) => r.id).join(', ');
    throw new ConfigError(`--source: unknown source id "${unknown.join('", "')}" (configured: ${known})`, { field: '--source' });
  }
  const metrics = o.metrics ?? createMetrics();
  const health = new Map<string, HostSourceHealth>(refs.map((r) => [r.id, { id: r.id, errors: 0 }]));
  const rawStore = o.store ?? (await openStore(config));
  const store = observeQuarantine(rawStore, (rows) => {
    metrics.countRejected(rows);
    for (const r of rows) {
      const h = health.get(r.source);
      if (h) (h.rejected ??= {})[r.kind] = (h.rejected[r.kind] ?? 0) + 1;
    }
  });
  // A backfill writes straight to the store; only the live feed needs the bus.
  let bus: Bus | undefined;
  try {
    bus = o.bus ?? (o.live ? await createConfiguredBus(config, o.busChoice) : undefined);
  } catch (err) {
    if (!o.store) await rawStore.close();
    throw err;
  }
  const abort = new AbortController();
  const sources: { id: string; source: DataSource }[] = [];
  const subs: (Subscription | BusSubscription)[] = [];
  // Tolerant of ids this process does not run (a bus replay may carry other sources' batches).
  const note = (id: string, batch: SourceBatch) => {
    const h = health.get(id);
    if (!h) return;
    h.lastBatchAt = now();
    const times = [...(batch.candles ?? []).map((c) => c.openTime), ...(batch.observations ?? []).map((x) => x.eventTime)];
    if (times.length) h.lastEventTime = Math.max(h.lastEventTime ?? 0, ...times.slice(-1000));
  };
  const fail = (id: string, err: unknown) => {
    const h = health.get(id);
    if (!h) return;
    h.errors++;
    h.lastError = err instanceof Error ? err.message : String(err);
  };
  const close = async () => {
    abort.abort();
    for (const s of subs.splice(0)) await s.close().catch(() => {});
    for (const { source } of sources.splice(0)) await source.close?.().catch(() => {});
    if (!o.bus) await bus?.close();
    if (!o.store) await rawStore.close();
  };

  try {
    const summaries: BackfillSummary[] = [];
    for (const ref of refs) {
      const ctx = createPluginContext({ log: o.log ?? consoleLogger(ref.id, 'warn'), now, signal: abort.signal });
      const source = await ref.plugin.create(ref.options, ctx);
      sources.push({ id: ref.id, source });
      try {
        summaries.push(await backfillSource(store, ref, source, { from: o.from, to: o.to ?? now(), chunkMs: o.chunkMs, now, onProgress: o.onProgress, onBatch: (b) => note(ref.id, b) }));
      } catch (err) {
        fail(ref.id, err);
        throw err;
      }
    }

    if (o.live && bus) {
      const live = bus;
      // One consumer group writes what the sources publish; a batch seen twice is an idempotent upsert.
      subs.push(
        await live.subscribe<{ sourceId: string; batch: SourceBatch }>({
          topic: TOPICS.candles,
          group: 'store',
          ...(o.fromOffset === undefined ? {} : { fromOffset: o.fromOffset }),
          handler: async ({ value }) => void (await storeBatch(store, value.sourceId, value.batch, now())),
          onError: (err, msg) => {
            log.error('storing a batch failed', { error: String(err), offset: msg.offset });
            fail((msg.value as { sourceId: string }).sourceId, err);
          },
        }),
      );
      for (const ref of refs) {
        const { source } = sources.find((s) => s.id === ref.id)!;
        const ctx = createPluginContext({ log: o.log ?? consoleLogger(ref.id, 'warn'), now, signal: abort.signal });
        const after = await newestCandle(store, ref);
        const opts: SubscribeOptions & { pollMs: number; after?: number } = {
          pollMs: o.pollMs ?? 60_000,
          ...(after === undefined ? {} : { after }),
          onBatch: async (batch) => {
            note(ref.id, batch);
            await live.publish(TOPICS.candles, ref.id, { sourceId: ref.id, batch });
          },
          onError: (err) => fail(ref.id, err),
        };
        subs.push(await subscribeAny(source, ctx, opts));
      }
    }
    return { store, bus, metrics, backfill: summaries, health: () => sourcesHealth(health, sources, now()), close };
  } catch (err) {
    await close();
    throw err;
  }
}
