/**
 * @module alerting
 * Wires monitoring and alerting into a running backend (called by the runner):
 *
 *   bus satcast.predictions (group "alerting") ──▶ AlertingService.onPredictions ──▶ rules engine,
 *     store.putAlerts, actions, notifier channels + dashboard, users' rules with delivery status
 *   bus satcast.candles / satcast.observations (group "alerting-freshness") ──▶ newest event per source
 *   timer (alerting.checkEveryMs) ──▶ component check between predictions
 *
 * and mounts `GET /api/v1/alerting` (operator role): firing alerts, channel health, recent deliveries,
 * drift summary and action flags.
 */
import { TOPICS, type Bus, type Cache, type Logger, type Prediction, type ResolvedConfig, type SourceBatch, type Store, type Subscription } from '@satcast/core';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { createAlertingMetrics, type Metrics } from '../metrics/metrics.js';
import type { Pipeline } from '../pipeline/runtime.js';
import { guard, type GuardOptions } from '../server/guard.js';
import { Channels } from './channels.js';
import { AlertingService, STATE_KEY, type SavedState } from './service.js';
import type { SourceView } from './snapshot.js';

export { AlertingService, type ActionHook } from './service.js';
export { Channels } from './channels.js';

export interface Alerting {
  service: AlertingService;
  channels: Channels;
  /** Mount `GET /api/v1/alerting` on the API app. */
  mount(app: OpenAPIHono<any>, g: Omit<GuardOptions, 'allowAnonymous' | 'store' | 'role'>): void;
  close(): Promise<void>;
}

export interface AlertingStartDeps {
  config: ResolvedConfig;
  store: Store;
  cache: Cache;
  bus: Bus;
  log: Logger;
  metrics: Metrics;
  pipeline: Pipeline;
  sources: () => readonly SourceView[];
  signal: AbortSignal;
}

/**
 * The pipeline's feature columns. `Pipeline` has no public accessor yet (proposed: `featureColumns()`);
 * until it does, read the runtime's columns, which the pipeline keeps public on its FeatureRuntime.
 */
function featureColumns(pipeline: Pipeline): () => Readonly<Record<string, ArrayLike<number>>> | undefined {
  const p = pipeline as unknown as { featureColumns?: () => Record<string, ArrayLike<number>>; features?: { cols?: Record<string, ArrayLike<number>> } };
  return () => (typeof p.featureColumns === 'function' ? p.featureColumns() : p.features?.cols);
}

export async function startAlerting(d: AlertingStartDeps): Promise<Alerting> {
  const channels = await Channels.create(d.config, d.store, d.log, d.signal);
  const service = new AlertingService({
    config: d.config,
    store: d.store,
    cache: d.cache,
    log: d.log,
    metrics: createAlertingMetrics(d.metrics.registry),
    channels,
    sources: d.sources,
    featureColumns: featureColumns(d.pipeline),
    featureSets: () => d.pipeline.featureHealth(),
    initialState: await d.cache.get<SavedState>(STATE_KEY).catch(() => undefined),
  });
  const subs: Subscription[] = [];
  const onError = (err: unknown) => d.log.error('alerting consumer failed', { error: String(err) });
  subs.push(
    await d.bus.subscribe<{ sourceId: string; batch: SourceBatch }>({
      topic: TOPICS.candles,
      group: 'alerting-freshness',
      handler: ({ value }) => {
        const times = [...(value.batch.candles ?? []).map((c) => c.openTime), ...(value.batch.observations ?? []).map((o) => o.eventTime)];
        if (times.length) service.noteEvent(value.sourceId, Math.max(...times.slice(-1000)));
      },
      onError,
    }),
    await d.bus.subscribe<Prediction[]>({ topic: TOPICS.predictions, group: 'alerting', handler: ({ value }) => service.onPredictions(value), onError }),
  );
  const every = d.config.alerting.checkEveryMs;
  const timer = every > 0 ? setInterval(() => void service.check().catch(() => {}), every) : undefined;
  timer?.unref();
  // The set issued at start was published before this subscription existed: evaluate it now.
  const latest = await d.store.latestPredictions({ asset: d.config.asset, model: d.config.servedModel });
  if (latest.length) void service.onPredictions(latest).catch(() => {});

  return {
    service,
    channels,
    mount(app, g) {
      app.use('/api/v1/alerting', guard({ ...g, allowAnonymous: false, store: d.store, role: 'operator' }));
      app.get('/api/v1/alerting', async (c) =>
        c.json({
          evaluatedAt: service.lastEvaluatedAt() ?? null,
          counts: service.counts,
          flags: service.flags,
          firing: service.engine.active(),
          channels: await channels.status(),
          deliveries: service.recentDeliveries(),
          drift: service.driftStatus(),
        }),
      );
    },
    async close() {
      if (timer) clearInterval(timer);
      for (const s of subs) await s.close().catch(() => {});
      await service.idle().catch(() => {});
    },
  };
}
