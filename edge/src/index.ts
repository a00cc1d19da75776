/**
 * @module @satcast/edge
 * The Satcast edge gateway (Cloudflare Worker, Hono). Callers get predictions from Workers KV in
 * milliseconds; the backend pushes new ones with signed sync; WebSocket clients are fanned out by
 * Durable Object hubs. Same contract and schemas as the backend (`@satcast/core`), same auth rules,
 * same RateLimit headers, RFC 9457 problem+json for every error.
 */
import { Hono, type Context } from 'hono';
import { HorizonSchema, HORIZONS, PredictionSchema, type Horizon, type Prediction } from '@satcast/core';
import { authenticate, AuthError, type Principal } from './auth.js';
import { parseTimeframes } from './hub.js';
import { latestKey } from './ledger.js';
import { problem } from './problem.js';
import { rateHeaders } from './ratelimit.js';
import { handleSync } from './sync.js';

export { PredictionHub } from './hub.js';
export { RateLimiter } from './ratelimit.js';
export { SyncLedger } from './ledger.js';
export { latestKey, historyKey } from './ledger.js';

type AppEnv = { Bindings: Env; Variables: { principal: Principal } };
type Ctx = Context<AppEnv>;

/**
 * Three layers in front of the origin, cheapest first:
 *   1. an isolate memo of the latest set, at most MEMO_TTL_MS old (a sync in this isolate clears it);
 *   2. the Cache API of this location (`LATEST_CACHE_KEY`, max-age CACHE_TTL_S; a sync purges it here,
 *      other locations see new data within the TTL);
 *   3. Workers KV, the global copy written by sync.
 * The staleness these add (≤ 1 s + 5 s) is far below the hourly cadence of the predictions.
 */
const MEMO_TTL_MS = 1000;
const CACHE_TTL_S = 5;
const LATEST_CACHE_KEY = 'https://satcast-edge.internal/predictions/latest';
let memo: { at: number; byHorizon: Map<Horizon, Prediction> } | undefined;

/** Forget the memo and this location's cached copy (after a write). */
export async function invalidateLatest(): Promise<void> {
  memo = undefined;
  await caches.default.delete(LATEST_CACHE_KEY).catch(() => false);
}
/** Tests write KV behind the worker's back; they drop the memo and cached copy this way. */
export const clearMemo = invalidateLatest;
/** Drop only the isolate memo (as a new isolate would start), keeping the location cache. */
export function dropIsolateMemo(): void {
  memo = undefined;
}

async function loadLatest(env: Env): Promise<unknown[]> {
  const cached = await caches.default.match(LATEST_CACHE_KEY).catch(() => undefined);
  if (cached) return (await cached.json()) as unknown[];
  const raw = await Promise.all(HORIZONS.map((h) => env.PREDICTIONS.get(latestKey(h), 'json')));
  const present = raw.filter((r) => r !== null);
  await caches.default
    .put(LATEST_CACHE_KEY, new Response(JSON.stringify(present), { headers: { 'content-type': 'application/json', 'cache-control': `public, max-age=${CACHE_TTL_S}` } }))
    .catch(() => {});
  return present;
}

async function fromKv(env: Env, horizons: readonly Horizon[]): Promise<Prediction[]> {
  if (!memo || Date.now() - memo.at > MEMO_TTL_MS) {
    const byHorizon = new Map<Horizon, Prediction>();
    for (const r of await loadLatest(env)) {
      const p = PredictionSchema.safeParse(r);
      if (p.success) byHorizon.set(p.data.horizon, p.data);
    }
    memo = { at: Date.now(), byHorizon };
  }
  return horizons.flatMap((h) => {
    const p = memo!.byHorizon.get(h);
    return p ? [p] : [];
  });
}

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
  const limiter = c.env.LIMITER.get(c.env.LIMITER.idFromName(principal.id));
  const decision = await limiter.hit(Number(c.env.RATE_LIMIT || 1000), Number(c.env.RATE_WINDOW_MS || 3_600_000));
  const headers = rateHeaders(decision);
  if (!decision.allowed) return problem(c, 429, `rate limit of ${decision.limit} requests per window reached; retry in ${decision.resetSeconds} s`, { headers });
  c.set('principal', principal);
  await next();
  // A 101 upgrade response has immutable headers; the limit was still counted for it.
  if (c.res.status !== 101) for (const [k, v] of Object.entries(headers)) c.res.headers.set(k, v);
}

app.get('/api/v1/predictions', guard, async (c) => {
  const q = c.req.query('horizon');
  const parsed = q === undefined ? undefined : HorizonSchema.safeParse(q);
  if (parsed && !parsed.success) {
    return problem(c, 400, `invalid query: horizon must be one of ${HORIZONS.join(', ')} (got "${q}")`, {
      errors: [{ field: 'horizon', message: `expected one of ${HORIZONS.join(', ')}` }],
    });
  }
  const horizons = parsed?.success ? [parsed.data] : [...HORIZONS];
  let preds = await fromKv(c.env, horizons);
  let source = 'edge-kv';
  let stale = false;
  const staleAfter = Number(c.env.STALE_AFTER_MS || 7_200_000);
  const newestOf = (ps: Prediction[]) => ps.reduce((m, p) => Math.max(m, p.issuedAt), 0);
  if (preds.length < horizons.length) {
    // Miss: the caller waits for the origin.
    const origin = await fromOrigin(c.env);
    if (origin === undefined && preds.length === 0) return problem(c, 503, 'no cached prediction and the origin backend is unreachable');
    if (origin !== undefined) (preds = origin.filter((p) => horizons.includes(p.horizon))), (source = 'origin');
    else stale = true;
  } else if (Date.now() - newestOf(preds) > staleAfter) {
    // Stale-while-revalidate: answer now with what we have (flagged), refresh from the origin after.
    stale = true;
    c.executionCtx.waitUntil(fromOrigin(c.env));
  }
  const newest = newestOf(preds);
  const etag = `"${newest}-${preds.map((p) => p.horizon).join('.')}"`;
  const headers: Record<string, string> = {
    ETag: etag,
    'Cache-Control': 'private, max-age=5',
    'X-Satcast-Source': source,
    'X-Satcast-Prediction-Age': String(Math.max(0, Math.round((Date.now() - newest) / 1000))),
  };
  if (stale) {
    headers.Warning = '110 - "Response is Stale"';
    headers['X-Satcast-Stale'] = 'true';
  }
  if (c.req.header('if-none-match') === etag) return c.body(null, 304, headers);
  return c.json({ asset: preds[0]?.asset ?? 'BTCUSDT', predictions: preds, stale }, 200, headers);
});

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

export default app satisfies ExportedHandler<Env>;
