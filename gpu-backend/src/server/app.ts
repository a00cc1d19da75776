/**
 * The REST API (v1) of the backend, as a Hono app so it runs on @hono/node-server and in tests via
 * `app.request()`. Latest predictions are served from the cache, falling back to the store.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { HorizonSchema, HORIZONS, toIso, type Cache, type Horizon, type Logger, type Prediction, type ResolvedConfig, type Store } from '@satcast/core';
import type { Pipeline } from '../pipeline/runtime.js';
import { latestKey } from '../pipeline/runtime.js';
import { problem, problemFromError } from './problem.js';

export interface AppDeps {
  config: ResolvedConfig;
  store: Store;
  cache: Cache;
  pipeline: Pipeline;
  log: Logger;
  /** Per-source freshness, filled by the runner. */
  sources: () => { id: string; lastEventTime?: number; lastBatchAt?: number; errors: number; lastError?: string }[];
  startedAt: number;
}

const PredictionsQuery = z.strictObject({ horizon: HorizonSchema.optional() });

export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  const { config, store, cache, pipeline } = deps;

  app.onError((err, c) => problemFromError(c, err, deps.log.error));
  app.notFound((c) => problem(c, 404, `no route for ${c.req.method} ${new URL(c.req.url).pathname}; see /api/v1`));

  app.get('/', (c) => c.redirect('/api/v1'));
  app.get('/api/v1', (c) =>
    c.json({
      name: 'satcast',
      asset: config.asset,
      endpoints: { health: '/api/v1/health', predictions: '/api/v1/predictions?horizon=1h|4h|24h' },
    }),
  );

  app.get('/api/v1/health', async (c) => {
    let storeOk = true;
    let candles = 0;
    try {
      candles = await store.countCandles({ symbol: config.asset, interval: config.interval });
    } catch {
      storeOk = false;
    }
    const served = await latestFromCache(cache, config.asset, config.horizons);
    const status = storeOk && served.length === config.horizons.length ? 'ok' : 'degraded';
    const s = pipeline.status;
    return c.json(
      {
        status,
        time: toIso(Date.now()),
        uptimeMs: Date.now() - deps.startedAt,
        components: {
          store: { ok: storeOk, adapter: config.store.adapter, candles },
          cache: { ok: true, adapter: config.cache.adapter },
          model: { served: config.servedModel, loaded: served.length > 0, horizons: served.map((p) => p.horizon) },
          pipeline: {
            bars: s.bars,
            lastBarOpenTime: s.lastBarOpenTime === undefined ? null : toIso(s.lastBarOpenTime),
            lastIssuedAt: s.lastIssuedAt === undefined ? null : toIso(s.lastIssuedAt),
            predictionsWritten: s.predictionsWritten,
            outcomesScored: s.outcomesScored,
          },
          sources: deps.sources().map((src) => ({
            ...src,
            lastEventTime: src.lastEventTime === undefined ? null : toIso(src.lastEventTime),
            lastBatchAt: src.lastBatchAt === undefined ? null : toIso(src.lastBatchAt),
          })),
        },
      },
      status === 'ok' ? 200 : 503,
    );
  });

  app.get('/api/v1/predictions', async (c) => {
    const parsed = PredictionsQuery.safeParse(c.req.query());
    if (!parsed.success) {
      const errors = parsed.error.issues.map((i) => ({
        field: i.path.join('.') || (i.code === 'unrecognized_keys' ? i.keys.join(',') : 'query'),
        message: i.code === 'unrecognized_keys' ? 'unknown query parameter' : i.message,
      }));
      return problem(c, 400, `invalid query: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')} (horizon must be one of ${HORIZONS.join(', ')})`, { errors });
    }
    const horizons = parsed.data.horizon ? [parsed.data.horizon] : config.horizons;
    let predictions = await latestFromCache(cache, config.asset, horizons);
    if (predictions.length < horizons.length) {
      predictions = (await store.latestPredictions({ asset: config.asset, model: config.servedModel })).filter((p) => horizons.includes(p.horizon));
    }
    if (predictions.length === 0) return problem(c, 503, 'no prediction has been issued yet; the pipeline is warming up');
    predictions.sort((a, b) => HORIZONS.indexOf(a.horizon) - HORIZONS.indexOf(b.horizon));
    return c.json({ asset: config.asset, servedModel: config.servedModel, predictions });
  });

  return app;
}

async function latestFromCache(cache: Cache, asset: string, horizons: readonly Horizon[]): Promise<Prediction[]> {
  const out: Prediction[] = [];
  for (const h of horizons) {
    const p = await cache.get<Prediction>(latestKey(asset, h));
    if (p) out.push(p);
  }
  return out;
}
