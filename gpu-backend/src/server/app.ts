/**
 * The REST API (v1): routes typed with zod through `@hono/zod-openapi`, so the OpenAPI 3.1 document at
 * `/openapi.json` (rendered by Swagger UI at `/docs`) is generated from the same schemas that validate
 * requests. Latest predictions are served from the cache, history from the store. Every 4xx/5xx is
 * RFC 9457 problem+json naming the bad field.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { HorizonSchema, HORIZONS, parseTime, PredictionSchema, toIso, type Cache, type Horizon, type Logger, type Prediction, type ResolvedConfig, type Store } from '@satcast/core';
import type { Pipeline } from '../pipeline/runtime.js';
import { latestKey, latestVersionKey } from '../pipeline/runtime.js';
import type { RouteRecord } from '@satcast/registry';
import { mountDocs } from './docs.js';
import { mountDashboard } from './dashboard.js';
import { liveScores } from '../metrics/scores.js';
import { guard, guardedBody } from './guard.js';
import { predictionsHotPath } from './hot-path.js';
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

/** 400 problem+json naming each bad field (the validation hook of every typed route). */
function invalidRequest(c: Context, issues: readonly z.core.$ZodIssue[]): Response {
  const errors = issues.map((i) => ({
    field: i.path.join('.') || (i.code === 'unrecognized_keys' ? i.keys.join(',') : 'request'),
    message: i.code === 'unrecognized_keys' ? 'unknown parameter' : i.message,
  }));
  return problem(c, 400, `invalid request: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')} (horizon must be one of ${HORIZONS.join(', ')})`, { errors });
}

/**
 * The query of `GET /api/v1/predictions`, validated as `app.openapi` would (same value shape, same schema,
 * same 400), but without building anything when there is no query string: the common request (latest
 * predictions, polled by every client) then skips the validator middleware and its header read.
 */
async function predictionsQuery(c: Context): Promise<{ ok: true; q: z.output<typeof PredictionsQuery> } | { ok: false; res: Response }> {
  if (!c.req.url.includes('?')) return { ok: true, q: {} };
  const value = Object.fromEntries(Object.entries(c.req.queries()).map(([k, v]) => (v.length === 1 ? [k, v[0]] : [k, v])));
  const r = await PredictionsQuery.safeParseAsync(value);
  return r.success ? { ok: true, q: r.data } : { ok: false, res: invalidRequest(c, r.error.issues) };
}

export function createApp(deps: AppDeps): OpenAPIHono<{ Variables: { principal: Principal } }> {
  const { config, store, cache, pipeline } = deps;
  // Serialised latest bodies of the current bar, one per combination of served versions (arms).
  // The bytes are encoded once per body for the hot path (hot-path.ts), which writes them as they are.
  let latestBodies: { issuedAt: number | undefined; byKey: Map<string, { json: string; bytes: Uint8Array<ArrayBuffer> }> } = { issuedAt: undefined, byKey: new Map() };
  const app = new OpenAPIHono<{ Variables: { principal: Principal } }>({
    // Validation failures become problem+json naming each field.
    defaultHook: (result, c) => (result.success ? undefined : invalidRequest(c, result.error.issues)),
  });

  app.onError((err, c) => problemFromError(c, err, deps.log.error));
  // Latency of every request by route pattern (not raw path, to keep label cardinality bounded).
  app.use('*', async (c, next) => {
    const t0 = performance.now();
    await next();
    deps.metrics.observeHttp(c.req.method, c.req.routePath, c.res.status, (performance.now() - t0) / 1000);
  });
  // Every model and ensemble issues stored, scored predictions.
  const scoredIds = [...config.resolved.models.map((m) => m.id), ...config.ensembles.filter((e) => e.enabled).map((e) => e.id)];
  app.get('/metrics', async (c) => {
    await deps.metrics.refresh({
      store,
      asset: config.asset,
      asOf: pipeline.status.lastIssuedAt,
      sources: deps.sources(),
      features: pipeline.featureHealth(),
      models: scoredIds,
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
      scores: await liveScores(store, { asset: config.asset, models: scoredIds, horizons: config.horizons, asOf: pipeline.status.lastIssuedAt }),
      versions: (await store.listModelVersions()).map((v) => ({ name: v.card.name, version: v.card.version, stage: v.stage, createdAt: v.card.createdAt })),
      // Each ensemble's current member weights per horizon (stacking: mean over quantile levels).
      ensembles: pipeline.ensembleWeights(),
      ...(deps.registry ? { registry: await deps.registry() } : {}),
    }),
  );
  app.get('/api/v1/scores', async (c) =>
    c.json({
      asset: config.asset,
      asOf: pipeline.status.lastIssuedAt ?? null,
      windowBars: 500,
      scores: await liveScores(store, { asset: config.asset, models: scoredIds, horizons: config.horizons, asOf: pipeline.status.lastIssuedAt }),
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

  // Documented from the typed route; validated by predictionsQuery (fast path for the common no-query call).
  app.openAPIRegistry.registerPath(getPredictions);
  const allHorizonsKey = config.horizons.join(',');
  /**
   * The latest set changes once per bar: its serialised body is reused until then (hot path). Which
   * version serves this caller per horizon (sticky canary; champion where there is no registry line) is
   * part of the key, so a caller never gets the other arm's body.
   */
  const allHorizonsMemoKey = `${allHorizonsKey}|`;
  const noRoutes: { h: Horizon; r: RouteRecord }[] = [];
  const latestMemo = (principal: string, horizon: Horizon | undefined, now: number) => {
    const horizons = horizon ? [horizon] : config.horizons;
    const routes = deps.route ? horizons.flatMap((h) => ((r) => (r ? [{ h, r }] : []))(deps.route!(principal, h, now))) : noRoutes;
    const issuedAt = pipeline.status.lastIssuedAt;
    if (latestBodies.issuedAt !== issuedAt) latestBodies = { issuedAt, byKey: new Map() };
    // The same string object for the common key, so the map does not hash a fresh string per request.
    const memoKey = routes.length === 0 ? (horizon ? `${horizon}|` : allHorizonsMemoKey) : `${horizons.join(',')}|${routes.map(({ r }) => r.served).join(',')}`;
    return { routes, issuedAt, memoKey, memo: latestBodies.byKey.get(memoKey) };
  };
  app.get(getPredictions.path, async (c) => {
    const parsed = await predictionsQuery(c);
    if (!parsed.ok) return parsed.res;
    const q = parsed.q;
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
    const { routes, issuedAt, memoKey, memo } = latestMemo(c.get('principal').id, q.horizon, Date.now());
    if (memo) return guardedBody(c, memo.json, 200, 'application/json');
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
    if (predictions.length === 0) return problem(c, 503, 'no prediction has been issued yet; the pipeline is warming up');
    predictions.sort((a, b) => HORIZONS.indexOf(a.horizon) - HORIZONS.indexOf(b.horizon));
    // No per-caller bucket here: the body is shared by every caller on the same arms.
    const served = routes.map(({ h, r }) => {
      const version = predictions.find((p) => p.horizon === h)?.modelVersion ?? r.served;
      // A challenger arm without a cached forecast yet is served the champion, and says so.
      const arm = version === r.served ? r.arm : 'champion';
      return { horizon: h, version, arm, policy: r.policy, ...(r.experimentId ? { experimentId: r.experimentId } : {}) };
    });
    const json = JSON.stringify({ asset: config.asset, servedModel: config.servedModel, predictions, ...(served.length ? { routes: served } : {}) });
    if (predictions.length === horizons.length && fresh) latestBodies.byKey.set(memoKey, { json, bytes: Buffer.from(json, 'utf8') });
    return guardedBody(c, json, 200, 'application/json');
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
    summary: 'Admin: live scores of every model and ensemble beside persistence, ensemble member weights per horizon, model versions, registry lines, gates and decisions',
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

  // The polled request (latest predictions, known token) is answered before routing; see hot-path.ts.
  const hot = predictionsHotPath({ verify: deps.verify, limiter: deps.limiter, metrics: deps.metrics, latestBody: (p, now) => latestMemo(p.id, undefined, now).memo?.bytes });
  const routed = app.fetch;
  app.fetch = (req, env, ctx) => hot(req, env) ?? routed(req, env, ctx);
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
