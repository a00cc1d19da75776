/**
 * Wires a resolved config into a running system: store (migrated), cache, bus, sources (backfill, then
 * live/replay through the bus), the pipeline and the HTTP server.
 *
 *   source --batch--> bus (satcast.candles) --> store (idempotent, quarantine) --> pipeline.onBar
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import {
  consoleLogger,
  createPluginContext,
  ConfigError,
  INTERVAL_MS,
  subscribeAny,
  TOPICS,
  type Prediction,
  type Bus,
  type Cache,
  type DataSource,
  type Logger,
  type ResolvedConfig,
  type SourceBatch,
  type Store,
  type Subscription,
} from '@satcast/core';
import { createStore, migrate } from '@satcast/adapter-store-libsql';
import { createCache as createMemoryCache } from '@satcast/adapter-cache-memory';
import { createCache as createRedisCache } from '@satcast/adapter-cache-redis';
import { createBus } from '@satcast/adapter-bus-memory';
import { storeBatch, upcastingStore } from './ingest/upcast.js';
import { sourcesHealth, type HostSourceHealth } from './ingest/health.js';
import { observeQuarantine } from './ingest/store.js';
import { newestCandle } from './ingest/backfill.js';
import { Pipeline } from './pipeline/runtime.js';
import { createApp } from './server/app.js';
import { createMetrics } from './metrics/metrics.js';
import { attachStream, type Stream, type StreamOptions } from './server/stream.js';
import { createScheduler, type Scheduler } from './scheduler/scheduler.js';
import { createEdgePublisher } from './edge/publisher.js';
import { loadChampion } from './train/artifacts.js';
import { startAlerting } from './alerting/index.js';
import { createMemoryRateLimiter, createRedisRateLimiter, type RateLimiter } from './limits/ratelimit.js';
import { createJwtVerifier } from '@satcast/adapter-auth-jose';
import { openBackendRegistry, type BackendRegistryOptions } from './registry/wire.js';
import { Redis } from 'ioredis';

/** What the host tracks per source (stale is set by the source-watchdog job; rejected by kind). */
export type SourceHealth = HostSourceHealth;

export interface Satcast {
  config: ResolvedConfig;
  store: Store;
  cache: Cache;
  bus: Bus;
  pipeline: Pipeline;
  app: ReturnType<typeof createApp>;
  /** Base URL when listening. */
  url?: string;
  stream?: Stream;
  scheduler: Scheduler;
  /** Monitoring and alerting (absent when `alerting.enabled` is false). */
  alerting?: import('./alerting/index.js').Alerting;
  close(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  /** WebSocket stream tuning (tests use short intervals and small buffers). */
  stream?: Pick<StreamOptions, 'intervalMs' | 'pingMs' | 'maxBufferedBytes'>;
  /** Start the HTTP server (default true). */
  listen?: boolean;
  /** Subscribe to live/replay feeds after backfill (default true). */
  live?: boolean;
  /** Model registry: serve its champions, continuous learning, performance view (default on); false to skip. */
  registry?: BackendRegistryOptions | false;
}

export async function startSatcast(config: ResolvedConfig, opts: StartOptions = {}): Promise<Satcast> {
  const log = opts.log ?? consoleLogger('backend');
  const abort = new AbortController();
  ensureDir(config.store.url);
  await migrate(config.store.url);
  const metrics = createMetrics();
  // Every quarantined record is counted once, whichever path wrote it (backfill or the bus consumer).
  const store = observeQuarantine(await createStore({ url: config.store.url }), (rows) => {
    metrics.countRejected(rows);
    for (const r of rows) {
      const h = health.get(r.source);
      if (h) (h.rejected ??= {})[r.kind] = (h.rejected[r.kind] ?? 0) + 1;
    }
  });
  const cache = config.cache.adapter === 'redis' ? createRedisCache({ url: config.cache.url }) : createMemoryCache();
  const bus = createBus();
  const health = new Map<string, SourceHealth>();
  const sources: { id: string; source: DataSource }[] = [];
  const subs: Subscription[] = [];
  const closers: (() => Promise<void>)[] = [];

  const closeAll = async () => {
    abort.abort();
    for (const s of subs) await s.close().catch(() => {});
    for (const { source } of sources) await source.close?.().catch(() => {});
    for (const close of closers) await close().catch(() => {});
    await bus.close();
    await cache.close?.();
    await store.close();
  };

  try {
    for (const ref of config.resolved.sources) {
      const ctx = createPluginContext({ log: consoleLogger(ref.id), signal: abort.signal });
      const source = await ref.plugin.create(ref.options, ctx);
      sources.push({ id: ref.id, source });
      health.set(ref.id, { id: ref.id, errors: 0 });
      if (!ref.plugin.capabilities.backfill) continue;
      const t0 = Date.now();
      const batch = await source.fetchRange({ from: 0, to: Date.now() });
      const res = await storeBatch(store, ref.id, batch, Date.now());
      noteBatch(health.get(ref.id)!, batch);
      log.info(`backfill ${ref.id}: ${res.inserted} new, ${res.updated} revised, ${res.unchanged} unchanged, ${res.quarantined} quarantined (${Date.now() - t0} ms)`);
    }

    // The pipeline reads observations in the current schema version, whatever version a row was stored in.
    const pipelineStore = upcastingStore(store, { onFailed: (row, reason) => log.warn(`observation ${row.source}:${row.series}@${row.eventTime} skipped: ${reason}`) });
    const reg = opts.registry === false ? undefined : await openBackendRegistry(config, store, log, opts.registry);
    if (reg) closers.push(() => reg.close());
    const pipeline = new Pipeline({ config, store: pipelineStore, cache, bus, log, champions: reg?.champions, onPredicted: (p, ms) => metrics.observePredictions(p, ms, config.servedModel) });
    await pipeline.init();
    await pipeline.predict();
    await pipeline.scoreOutcomes();
    log.info(`pipeline ready: ${pipeline.status.bars} bars, predictions issued at ${new Date(pipeline.status.lastIssuedAt!).toISOString()}`);
    const learning = reg ? await reg.startLearning(pipeline, cache) : undefined;

    // Live path: sources publish to the bus; one consumer group writes to the store and drives the pipeline.
    subs.push(
      await bus.subscribe<{ sourceId: string; batch: SourceBatch }>({
        topic: TOPICS.candles,
        group: 'store',
        handler: async ({ value }) => {
          const res = await storeBatch(store, value.sourceId, value.batch, Date.now());
          for (const bar of res.candles) {
            if (bar.symbol !== config.asset || bar.interval !== config.interval) continue;
            if (await pipeline.onBar(bar)) {
              log.debug(`bar ${new Date(bar.openTime).toISOString()} -> predictions`);
              // Triggers, shadow scoring, gates; a retrain runs in a worker and never delays the next bar.
              await learning?.afterBar(bar);
            }
          }
        },
        onError: (err) => log.error('ingest failed', { error: String(err) }),
      }),
    );
    if (config.edge) {
      const secret = process.env.SATCAST_EDGE_SYNC_SECRET;
      if (!secret) throw new ConfigError('edge is configured but the environment variable SATCAST_EDGE_SYNC_SECRET is not set', { field: 'SATCAST_EDGE_SYNC_SECRET' });
      const publisher = createEdgePublisher({ ...config.edge, secret, log });
      subs.push(
        await bus.subscribe<Prediction[]>({
          topic: TOPICS.predictions,
          group: 'edge',
          handler: async ({ value }) => void (await publisher.publish(value)),
          onError: (err) => log.error('edge push gave up', { error: String(err) }),
        }),
      );
      // The set issued at start was published before this subscription existed: push it now.
      const latest = await store.latestPredictions({ asset: config.asset, model: config.servedModel });
      if (latest.length) await publisher.publish(latest).catch(() => {});
      if (config.edge.pushModels) {
        for (const h of config.horizons) {
          const c = reg?.champions ? await reg.champions(config.servedModel, h) : await loadChampion(store, config.servedModel, h).then((x) => x && { version: x.card.version, blob: x.blob });
          if (!c || c.blob.format !== 'onnx') {
            log.warn(`edge.pushModels: ${config.servedModel} ${h} has no trained ONNX artifact to push (run satcast train)`);
            continue;
          }
          await publisher.pushModel(h, c.blob.bytes, `${config.servedModel}@${c.version}`).catch((err) => log.error('edge model push failed', { horizon: h, error: String(err) }));
        }
      }
    }
    // Alerting consumes the predictions topic: subscribe before the live feeds start publishing.
    const alerting = config.alerting.enabled
      ? await startAlerting({ config, store, cache, bus, log, metrics, pipeline, sources: () => [...health.values()], signal: abort.signal })
      : undefined;
    if (alerting) closers.push(() => alerting.close());
    if (opts.live !== false) {
      for (const { id, source } of sources) {
        const ctx = createPluginContext({ signal: abort.signal });
        // A stream resumes after the newest stored bar, so it backfills what closed since (Binance: REST).
        const after = await newestCandle(store, config.resolved.sources.find((r) => r.id === id)!);
        subs.push(
          await subscribeAny(source, ctx, {
            pollMs: 60_000,
            ...(after === undefined ? {} : { after }),
            onBatch: async (batch) => {
              noteBatch(health.get(id)!, batch);
              await bus.publish(TOPICS.candles, id, { sourceId: id, batch });
            },
            onError: (err) => {
              const h = health.get(id)!;
              h.errors++;
              h.lastError = err instanceof Error ? err.message : String(err);
            },
          }),
        );
      }
    }

    const barMs = INTERVAL_MS[config.interval];
    const scheduler = createScheduler(
      [
        { name: 'score-outcomes', pattern: '* * * * *', run: async () => void (await pipeline.scoreOutcomes()) },
        {
          name: 'source-watchdog',
          pattern: '* * * * *',
          run: () => {
            for (const h of health.values()) h.stale = h.lastBatchAt === undefined || Date.now() - h.lastBatchAt > 2 * barMs;
          },
        },
        {
          name: 'retrain-slot',
          pattern: '0 3 * * *',
          run: async () => {
            if (learning) return void log.info("daily retrain slot: the registry's schedule trigger retrains at the next bar");
            log.info('daily retrain slot: no registry configured, models keep refitting on every bar');
            await store.appendAudit({ at: Date.now(), actor: 'scheduler', action: 'retrain.slot', detail: { outcome: 'skipped: model registry not available' } });
          },
        },
      ],
      log,
    );
    closers.push(async () => scheduler.stop());
    let limiter: RateLimiter;
    if (config.rateLimit.store === 'redis') {
      const redis = new Redis(config.rateLimit.redisUrl, { maxRetriesPerRequest: 2 });
      closers.push(async () => void (await redis.quit()));
      limiter = createRedisRateLimiter(redis, config.rateLimit);
    } else {
      limiter = createMemoryRateLimiter(config.rateLimit);
    }
    const jwtSecret = process.env.SATCAST_JWT_SECRET;
    const verify =
      jwtSecret || config.auth.jwksUrl
        ? createJwtVerifier({ secret: jwtSecret, jwksUrl: config.auth.jwksUrl, issuer: config.auth.issuer, audience: config.auth.audience })
        : undefined;
    const app = createApp({ config, store, cache, pipeline, log, limiter, verify, metrics, jobs: () => scheduler.status(), sources: () => sourcesHealth(health, sources), startedAt: Date.now(), registry: reg && (() => reg.performance()), ...(reg ? { route: reg.route } : {}) });
    alerting?.mount(app, { verify, limiter });
    let server: ServerType | undefined;
    let url: string | undefined;
    let stream: Stream | undefined;
    if (opts.listen !== false) {
      const { port, host } = config.server;
      server = await new Promise<ServerType>((resolve, reject) => {
        const s = serve({ fetch: app.fetch, port, hostname: host }, () => resolve(s));
        s.once('error', reject);
      });
      const addr = server.address();
      url = `http://${host}:${typeof addr === 'object' && addr ? addr.port : port}`;
      stream = await attachStream(server as import('node:http').Server, { config, bus, cache, log, verify, ...opts.stream });
    }
    return {
      config,
      store,
      cache,
      bus,
      pipeline,
      app,
      url,
      stream,
      scheduler,
      alerting,
      async close() {
        await stream?.close();
        await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
        await closeAll();
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

function noteBatch(h: SourceHealth, batch: SourceBatch): void {
  h.lastBatchAt = Date.now();
  const times = [...(batch.candles ?? []).map((c) => c.openTime), ...(batch.observations ?? []).map((o) => o.eventTime)];
  if (times.length) h.lastEventTime = Math.max(h.lastEventTime ?? 0, ...times.slice(-1000));
}

function ensureDir(url: string): void {
  if (!url.startsWith('file:')) return;
  const path = url.slice('file:'.length);
  mkdirSync(dirname(path), { recursive: true });
}
