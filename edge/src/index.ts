/**
 * @module @satcast/edge
 * The Satcast edge gateway (Cloudflare Worker, Hono). Callers get predictions from Workers KV in
 * milliseconds; the backend pushes new ones with signed sync; WebSocket clients are fanned out by
 * Durable Object hubs. Same contract and schemas as the backend (`@satcast/core`), same auth rules,
 * same RateLimit headers, RFC 9457 problem+json for every error.
 */
import { Hono, type Context } from 'hono';
import { HorizonSchema, HORIZONS, PredictionSchema, type Prediction } from '@satcast/core';
import { authenticate, AuthError, type Principal } from './auth.js';
import { parseTimeframes } from './hub.js';
import { dropIsolateMemo, fromKv, invalidateLatest, latestView, makeView } from './latest.js';
import { latestKey } from './ledger.js';
import { handleModelSync, handleOnDemand, onnxBundled } from './model.js';
import { problem } from './problem.js';
import { PermitCache, rateHeaders } from './ratelimit.js';
import { handleSync } from './sync.js';
import { fastPredictions, predictionsResponse } from './fast.js';

export { PredictionHub } from './hub.js';
export { RateLimiter } from './ratelimit.js';
export { SyncLedger } from './ledger.js';
export { latestKey, historyKey } from './ledger.js';

type AppEnv = { Bindings: Env; Variables: { principal: Principal; rate: Record<string, string> } };
type Ctx = Context<AppEnv>;

/** Tests write KV behind the worker's back; they drop the memo and cached copy this way. */
export const clearMemo = invalidateLatest;
export { invalidateLatest, dropIsolateMemo };

/** This isolate's permit leases (see ratelimit.ts). */
const permits = new PermitCache();

/**
 * Ask the origin backend; newer predictions are written to KV (never replacing newer ones). Returns
 * undefined when the origin is unreachable or answers with an error.
 */
async function fromOrigin(env: Env): Promise<Prediction[] | undefined> {
  try {
    const res = await fetch(`${env.ORIGIN_URL}/api/v1/predictions`, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(3000) });
    if (!res.ok) return undefined;
    const body = (await res.json()) as { predictions?: unknown[] };
    const preds = (body.predictions ?? []).flatMap((p) => {
      const r = PredictionSchema.safeParse(p);
      return r.success ? [r.data] : [];
    });
    const current = await fromKv(env, HORIZONS);
    for (const p of preds) {
      const have = current.find((c) => c.horizon === p.horizon);
      if (!have || p.issuedAt > have.issuedAt) await env.PREDICTIONS.put(latestKey(p.horizon), JSON.stringify(p));
    }
    await invalidateLatest();
    return preds;
  } catch {
    return undefined;
  }
}

const app = new Hono<AppEnv>();

app.onError((err, c) => {
  if (err instanceof AuthError) return problem(c, 401, err.message);
  console.error(`[satcast] [edge] ${c.req.method} ${c.req.path} failed: ${err instanceof Error ? err.message : String(err)}`);
  return problem(c, 502, 'the edge could not complete the request');
});
app.notFound((c) => problem(c, 404, `no route for ${c.req.method} ${new URL(c.req.url).pathname}`));

app.get('/api/v1/health', async (c) => {
  const latest = await fromKv(c.env, HORIZONS);
  const newest = latest.reduce((m, p) => Math.max(m, p.issuedAt), 0);
  return c.json({
    status: latest.length === HORIZONS.length ? 'ok' : 'degraded',
    runtime: 'workerd',
    coreLoaded: typeof PredictionSchema.parse === 'function',
    horizons: latest.map((p) => p.horizon),
    newestPredictionAgeMs: newest ? Date.now() - newest : null,
    edgeModel: { flag: c.env.EDGE_MODEL ?? 'off', runtimeBundled: onnxBundled() },
  });
});

app.post('/sync/predictions', async (c) => {
  const res = await handleSync(c as unknown as Parameters<typeof handleSync>[0]);
  if (res.ok) await invalidateLatest();
  return res;
});

/** Authentication and the per-caller rate limit, for every caller-facing route below. */
async function guard(c: Ctx, next: () => Promise<void>): Promise<Response | void> {
  let principal: Principal;
  try {
    principal = await authenticate(c.req.raw, c.env);
  } catch (err) {
    if (err instanceof AuthError) return problem(c, 401, err.message, { headers: { 'WWW-Authenticate': 'Bearer' } });
    throw err;
  }
  const decision = await permits.take(
    principal.id,
    (id) => c.env.LIMITER.get(c.env.LIMITER.idFromName(id)),
    { limit: Number(c.env.RATE_LIMIT || 1000), windowMs: Number(c.env.RATE_WINDOW_MS || 3_600_000), maxBatch: Number(c.env.RATE_LEASE_MAX || 50) },
    (p) => c.executionCtx.waitUntil(p),
  );
  const headers = rateHeaders(decision);
  if (!decision.allowed) return problem(c, 429, `rate limit of ${decision.limit} requests per window reached; retry in ${decision.resetSeconds} s`, { headers });
  c.set('principal', principal);
  c.set('rate', headers);
  await next();
  // Handlers on the hot path put the headers in themselves. A 101 upgrade response has immutable
  // headers; the limit was still counted for it.
  if (c.res.status !== 101 && !c.res.headers.has('RateLimit-Limit')) for (const [k, v] of Object.entries(headers)) c.res.headers.set(k, v);
}

app.get('/api/v1/predictions', guard, async (c) => {
  const q = c.req.query('horizon');
  const parsed = q === undefined ? undefined : HorizonSchema.safeParse(q);
  if (parsed && !parsed.success) {
    return problem(c, 400, `invalid query: horizon must be one of ${HORIZONS.join(', ')} (got "${q}")`, {
      errors: [{ field: 'horizon', message: `expected one of ${HORIZONS.join(', ')}` }],
    });
  }
  const horizons = parsed?.success ? [parsed.data] : HORIZONS;
  let view = await latestView(c.env, horizons);
  let source = 'edge-kv';
  let stale = false;
  const staleAfter = Number(c.env.STALE_AFTER_MS || 7_200_000);
  if (view.predictions.length < horizons.length) {
    // Miss: the caller waits for the origin.
    const origin = await fromOrigin(c.env);
    if (origin === undefined && view.predictions.length === 0) return problem(c, 503, 'no cached prediction and the origin backend is unreachable');
    if (origin !== undefined) (view = makeView(origin.filter((p) => horizons.includes(p.horizon)))), (source = 'origin');
    else stale = true;
  } else if (Date.now() - view.newest > staleAfter) {
    // Stale-while-revalidate: answer now with what we have (flagged), refresh from the origin after.
    stale = true;
    c.executionCtx.waitUntil(fromOrigin(c.env));
  }
  return predictionsResponse(view, c.get('rate'), { source, stale, ifNoneMatch: c.req.header('if-none-match') });
});

// On-demand inference with a synced ONNX model (EDGE_MODEL = "onnx" and an ONNX build; see model.ts).
app.post('/api/v1/predictions', guard, (c) => handleOnDemand(c as unknown as Parameters<typeof handleOnDemand>[0]));
app.post('/sync/model', (c) => handleModelSync(c as unknown as Parameters<typeof handleModelSync>[0]));

app.get('/stream/predictions', guard, async (c) => {
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') return problem(c, 426, 'this endpoint speaks WebSocket only (send Upgrade: websocket)');
  try {
    parseTimeframes(c.req.query('timeframes'));
  } catch {
    return problem(c, 400, `timeframes must be a comma-separated subset of ${HORIZONS.join(', ')}`, { errors: [{ field: 'timeframes', message: 'unknown timeframe' }] });
  }
  const shards = Math.max(1, Number(c.env.HUB_SHARDS || 1));
  const shard = crypto.getRandomValues(new Uint32Array(1))[0]! % shards;
  const url = new URL(c.req.url);
  url.searchParams.set('principal', c.get('principal').id);
  url.searchParams.set('shard', String(shard));
  return c.env.HUB.get(c.env.HUB.idFromName(`shard-${shard}`)).fetch(new Request(url, c.req.raw));
});

export default {
  // A cached GET whose token, permit and prediction set are all in this isolate is answered without a
  // Promise (src/fast.ts); everything else goes through Hono.
  fetch(req: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response> {
    return fastPredictions(req, env, permits) ?? app.fetch(req, env, ctx);
  },
} satisfies ExportedHandler<Env>;
