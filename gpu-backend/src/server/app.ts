/**
 * The REST API (v1): routes typed with zod through `@hono/zod-openapi`, so the OpenAPI 3.1 document at
 * `/openapi.json` (rendered by Swagger UI at `/docs`) is generated from the same schemas that validate
 * requests. Latest predictions are served from the cache, history from the store. Every 4xx/5xx is
 * RFC 9457 problem+json naming the bad field.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { HorizonSchema, HORIZONS, parseTime, PredictionSchema, toIso, type Cache, type Horizon, type Logger, type Prediction, type ResolvedConfig, type Store } from '@satcast/core';
import type { Pipeline } from '../pipeline/runtime.js';
import { latestKey, latestVersionKey } from '../pipeline/runtime.js';
import type { RouteRecord } from '@satcast/registry';
import { mountDocs } from './docs.js';
import { mountDashboard } from './dashboard.js';
import { liveScores } from '../metrics/scores.js';
import { guard } from './guard.js';
import { mountAlerts } from './alerts.js';
import type { Metrics } from '../metrics/metrics.js';
import type { RateLimiter } from '../limits/ratelimit.js';
import type { JwtVerifier, Principal } from '@satcast/adapter-auth-jose';
import { problem, problemFromError } from './problem.js';

export interface AppDeps {
  config: ResolvedConfig;
  /** Request limiter (memory or Redis, from config.rateLimit). */
  limiter: RateLimiter;
  /** Bearer-token verifier, when a JWT secret or JWKS is configured. */
  verify?: JwtVerifier;
  metrics: Metrics;
  /** Scheduled jobs' status, shown in health. */
  jobs?: () => unknown[];
  store: Store;
  cache: Cache;
  pipeline: Pipeline;
  log: Logger;
  /**
   * Per-source health, filled by the runner: host bookkeeping merged with the source's own `health()`
   * (`state`, `ready`, `lagMs`, `detail`); a source that is not ready (banned, circuit-open, disconnected)
   * makes /api/v1/health degraded.
   */
  sources: () => { id: string; lastEventTime?: number; lastBatchAt?: number; errors: number; lastError?: string; state?: string; ready?: boolean; lagMs?: number }[];
  startedAt: number;
  /** The model registry's view (lines, gates, decisions) for /api/v1/models/performance. */
  registry?: () => Promise<Record<string, unknown>>;
  /**
   * Traffic routing of the served model per caller (the registry's `route`, sticky by principal id):
   * undefined, or a champion record, serves the cached champion; a challenger record serves the cached
   * prediction of that version.
   */
  route?: (principal: string, horizon: Horizon, now: number) => RouteRecord | undefined;
}

const TimeParam = z
  .string()
  .refine((v) => parseTime(v) !== undefined, 'expected an ISO-8601 date/date-time or epoch milliseconds')
  .transform((v) => parseTime(v)!);

const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  instance: z.string().optional(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});
const problemResponse = (description: string) => ({ description, content: { 'application/problem+json': { schema: ProblemSchema } } });

const PredictionsQuery = z.strictObject({
  horizon: HorizonSchema.optional(),
  from: TimeParam.optional(),
  to: TimeParam.optional(),
  cursor: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  order: z.enum(['asc', 'desc']).optional(),
});
const PredictionsResponse = z.object({
  asset: z.string(),
  servedModel: z.string(),
  predictions: z.array(PredictionSchema),
  nextCursor: z.string().optional(),
  /** Per horizon, which registry version served this caller and why (when the served model is a registry line). */
  routes: z.array(z.object({ horizon: HorizonSchema, version: z.string(), arm: z.enum(['champion', 'challenger']), policy: z.string(), experimentId: z.string().optional() })).optional(),
});

const getPredictions = createRoute({
  method: 'get',
  path: '/api/v1/predictions',
  summary: 'Latest prediction per horizon, or history with from/to/cursor',
  request: { query: PredictionsQuery },
  responses: {
    200: { description: 'Predictions of the served model', content: { 'application/json': { schema: PredictionsResponse } } },
    400: problemResponse('Invalid query parameter'),
    503: problemResponse('No prediction issued yet'),
  },
});

const OnDemandBody = z.strictObject({ horizon: HorizonSchema, asOf: z.union([z.number().int().nonnegative(), TimeParam]) });
const postPrediction = createRoute({
  method: 'post',
  path: '/api/v1/predictions',
  summary: 'On-demand prediction for a horizon as of a past time, from stored data only',
  request: { body: { content: { 'application/json': { schema: OnDemandBody } }, required: true } },
  responses: {
    200: { description: 'The prediction (not stored)', content: { 'application/json': { schema: z.object({ asset: z.string(), prediction: PredictionSchema }) } } },
    400: problemResponse('Invalid body, or no data at that time'),
  },
});

const getHealth = createRoute({
  method: 'get',
  path: '/api/v1/health',
  summary: 'Liveness and per-component readiness',
  responses: {
    200: { description: 'Ready', content: { 'application/json': { schema: z.object({ status: z.literal('ok') }).passthrough() } } },
    503: { description: 'Degraded', content: { 'application/json': { schema: z.object({ status: z.literal('degraded') }).passthrough() } } },
  },
});

export function createApp(deps: AppDeps): OpenAPIHono<{ Variables: { principal: Principal } }> {
  const { config, store, cache, pipeline } = deps;
  // Serialised latest bodies of the current bar, one per combination of served versions (arms).
  let latestBodies: { issuedAt: number | undefined; byKey: Map<string, string> } = { issuedAt: undefined, byKey: new Map() };
  const app = new OpenAPIHono<{ Variables: { principal: Principal } }>({
    // Validation failures become problem+json naming each field.
    defaultHook: (result, c) => {
      if (result.success) return;
      const errors = result.error.issues.map((i) => ({
        field: i.path.join('.') || (i.code === 'unrecognized_keys' ? i.keys.join(',') : 'request'),
        message: i.code === 'unrecognized_keys' ? 'unknown parameter' : i.message,
      }));
      return problem(c, 400, `invalid request: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')} (horizon must be one of ${HORIZONS.join(', ')})`, { errors });
    },
  });

  app.onError((err, c) => problemFromError(c, err, deps.log.error));
  // Latency of every request by route pattern (not raw path, to keep label cardinality bounded).
  app.use('*', async (c, next) => {
    const t0 = performance.now();
    await next();
    deps.metrics.http.observe({ method: c.req.method, route: c.req.routePath, status: String(c.res.status) }, (performance.now() - t0) / 1000);
  });
  app.get('/metrics', async (c) => {
    await deps.metrics.refresh({
      store,
      asset: config.asset,
      asOf: pipeline.status.lastIssuedAt,
      sources: deps.sources(),
      features: pipeline.featureHealth(),
      models: config.resolved.models.map((m) => m.id),
      horizons: config.horizons,
    });
    return c.body(await deps.metrics.registry.metrics(), 200, { 'content-type': deps.metrics.registry.contentType });
  });
  app.notFound((c) => problem(c, 404, `no route for ${c.req.method} ${new URL(c.req.url).pathname}; see /docs`));

  mountDashboard(app);
  // Admin only: live scores of every configured model beside persistence, plus the registered versions.
  app.use('/api/v1/models/performance', guard({ verify: deps.verify, allowAnonymous: false, limiter: deps.limiter, store, role: 'admin' }));
  app.get('/api/v1/models/performance', async (c) =>
    c.json({
      asset: config.asset,
      servedModel: config.servedModel,
      asOf: pipeline.status.lastIssuedAt ?? null,
      scores: await liveScores(store, { asset: config.asset, models: config.resolved.models.map((m) => m.id), horizons: config.horizons, asOf: pipeline.status.lastIssuedAt }),
      versions: (await store.listModelVersions()).map((v) => ({ name: v.card.name, version: v.card.version, stage: v.stage, createdAt: v.card.createdAt })),
      ...(deps.registry ? { registry: await deps.registry() } : {}),
    }),
  );
  app.get('/api/v1/scores', async (c) =>
    c.json({
      asset: config.asset,
      asOf: pipeline.status.lastIssuedAt ?? null,
      windowBars: 500,
      scores: await liveScores(store, { asset: config.asset, models: config.resolved.models.map((m) => m.id), horizons: config.horizons, asOf: pipeline.status.lastIssuedAt }),
    }),
  );
  app.get('/api/v1', (c) =>
    c.json({
      name: 'satcast',
      asset: config.asset,
      endpoints: { health: '/api/v1/health', predictions: '/api/v1/predictions?horizon=1h|4h|24h', scores: '/api/v1/scores', metrics: '/metrics', stream: '/stream/predictions', openapi: '/openapi.json', docs: '/docs', dashboard: '/' },
    }),
  );

  // Callers of the prediction routes are authenticated (or anonymous where allowed) and rate-limited.
  app.use('/api/v1/predictions', guard({ verify: deps.verify, allowAnonymous: config.auth.allowAnonymous, limiter: deps.limiter, store }));

  app.openapi(getHealth, async (c) => {
    let storeOk = true;
    let candles = 0;
    try {
      candles = await store.countCandles({ symbol: config.asset, interval: config.interval });
    } catch {
      storeOk = false;
    }
    const served = await latestFromCache(cache, config.asset, config.horizons);
    const sources = deps.sources();
    const status = storeOk && served.length === config.horizons.length && sources.every((src) => src.ready !== false) ? ('ok' as const) : ('degraded' as const);
    const s = pipeline.status;
    const iso = (t?: number) => (t === undefined ? null : toIso(t));
    const body = {
      status,
      time: toIso(Date.now()),
      uptimeMs: Date.now() - deps.startedAt,
      components: {
        store: { ok: storeOk, adapter: config.store.adapter, candles },
        cache: { ok: true, adapter: config.cache.adapter },
        model: { served: config.servedModel, loaded: served.length > 0, horizons: served.map((p) => p.horizon) },
        pipeline: { bars: s.bars, lastBarOpenTime: iso(s.lastBarOpenTime), lastIssuedAt: iso(s.lastIssuedAt), predictionsWritten: s.predictionsWritten, outcomesScored: s.outcomesScored },
        features: featureSummary(pipeline.featureHealth()),
        sources: sources.map((src) => ({ ...src, lastEventTime: iso(src.lastEventTime), lastBatchAt: iso(src.lastBatchAt) })),
        scheduler: deps.jobs?.() ?? [],
      },
    };
    // Typed per status code by the route; the body shape is the same for both.
    return c.json(body, status === 'ok' ? 200 : 503) as never;
  });

  app.openapi(getPredictions, async (c) => {
    const q = c.req.valid('query');
    const horizons = q.horizon ? [q.horizon] : config.horizons;
    if (q.from !== undefined || q.to !== undefined || q.cursor !== undefined || q.order !== undefined) {
      const page = await store.listPredictions({
        asset: config.asset,
        model: config.servedModel,
        horizon: q.horizon,
        from: q.from,
        to: q.to,
        cursor: q.cursor,
        limit: q.limit ?? 100,
        order: q.order,
      });
      return c.json({ asset: config.asset, servedModel: config.servedModel, predictions: page.items, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) }, 200);
    }
    // Which version serves this caller per horizon (sticky canary); champion where there is no registry line.
    const now = Date.now();
    const principal = c.get('principal').id;
    const routes = deps.route ? horizons.flatMap((h) => ((r) => (r ? [{ h, r }] : []))(deps.route!(principal, h, now))) : [];
    // The latest set changes once per bar: reuse its serialised body until then (hot path). The key holds
    // the served versions, so a caller never gets the other arm's body.
    const issuedAt = pipeline.status.lastIssuedAt;
    if (latestBodies.issuedAt !== issuedAt) latestBodies = { issuedAt, byKey: new Map() };
    const memoKey = `${horizons.join(',')}|${routes.map(({ r }) => r.served).join(',')}`;
    const memo = latestBodies.byKey.get(memoKey);
    if (memo) return c.body(memo, 200, { 'content-type': 'application/json' }) as never;
    let predictions = await latestFromCache(cache, config.asset, horizons);
    // Canary callers: the challenger's latest forecast replaces the champion's for that horizon.
    let fresh = true;
    for (const { h, r } of routes) {
      if (r.arm !== 'challenger') continue;
      const p = await cache.get<Prediction>(latestVersionKey(config.asset, h, r.served));
      if (!p) continue;
      // Written by the learner just after the pipeline's bar: until then, do not memoise the older one.
      if (p.issuedAt !== issuedAt) fresh = false;
      predictions = [...predictions.filter((x) => x.horizon !== h), p];
    }
    if (predictions.length < horizons.length) {
      predictions = (await store.latestPredictions({ asset: config.asset, model: config.servedModel })).filter((p) => horizons.includes(p.horizon));
    }
    if (predictions.length === 0) return problem(c, 503, 'no prediction has been issued yet; the pipeline is warming up') as never;
    predictions.sort((a, b) => HORIZONS.indexOf(a.horizon) - HORIZONS.indexOf(b.horizon));
    // No per-caller bucket here: the body is shared by every caller on the same arms.
    const served = routes.map(({ h, r }) => {
      const version = predictions.find((p) => p.horizon === h)?.modelVersion ?? r.served;
      // A challenger arm without a cached forecast yet is served the champion, and says so.
      const arm = version === r.served ? r.arm : 'champion';
      return { horizon: h, version, arm, policy: r.policy, ...(r.experimentId ? { experimentId: r.experimentId } : {}) };
    });
    const json = JSON.stringify({ asset: config.asset, servedModel: config.servedModel, predictions, ...(served.length ? { routes: served } : {}) });
    if (predictions.length === horizons.length && fresh) latestBodies.byKey.set(memoKey, json);
    return c.body(json, 200, { 'content-type': 'application/json' }) as never;
  });

  app.openapi(postPrediction, async (c) => {
    const { horizon, asOf } = c.req.valid('json');
    const prediction = await pipeline.predictAt(asOf, horizon);
    if (!prediction) {
      return problem(c, 400, `no ${config.asset} data had closed by asOf ${toIso(asOf)}`, { errors: [{ field: 'asOf', message: 'before the first stored bar' }] }) as never;
    }
    return c.json({ asset: config.asset, prediction }, 200);
  });

  mountAlerts(app, store, { verify: deps.verify, limiter: deps.limiter });

  // Routes served by plain handlers (text bodies, admin/operator views) are documented here so
  // /openapi.json lists every public endpoint.
  const json = (description: string) => ({ description, content: { 'application/json': { schema: z.object({}).passthrough() } } });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', { type: 'apiKey', in: 'header', name: 'x-api-key' });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics (text exposition format 0.0.4): satcast_* and process metrics',
    responses: { 200: { description: 'Metrics', content: { 'text/plain': { schema: z.string() } } } },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/api/v1/scores',
    summary: 'Live scores over the last 500 bars: MAE skill vs persistence, 90% band coverage, pinball, per model and horizon',
    responses: { 200: json('Scores') },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/api/v1/models/performance',
    summary: 'Admin: live scores of every model beside persistence, model versions, registry lines, gates and decisions',
    security: [{ bearerAuth: [] }, { apiKey: [] }],
    responses: { 200: json('Performance'), 401: problemResponse('Missing or invalid credentials'), 403: problemResponse('Not an admin') },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/api/v1/alerting',
    summary: 'Operator: firing alerts, channel health, recent deliveries, drift summary',
    security: [{ bearerAuth: [] }, { apiKey: [] }],
    responses: { 200: json('Alerting state'), 401: problemResponse('Missing or invalid credentials'), 403: problemResponse('Not an operator') },
  });

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'Satcast API', version: '1.0.0', description: 'Honest BTC forecasts: calibrated bands and P(up), every score beside persistence.' },
  });
  mountDocs(app);
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

/** Feature health for /health: how many features, and the ones most often missing after warm-up. */
function featureSummary(health: readonly { name: string; featureSet: string; missingRatio: number }[]) {
  const worst = [...health].sort((a, b) => b.missingRatio - a.missingRatio).slice(0, 5);
  return {
    count: health.length,
    maxMissingRatio: worst[0]?.missingRatio ?? 0,
    mostMissing: worst.filter((h) => h.missingRatio > 0).map((h) => ({ name: h.name, featureSet: h.featureSet, missingRatio: h.missingRatio })),
  };
}
