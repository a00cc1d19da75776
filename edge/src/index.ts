/**
 * @module @satcast/edge
 * The edge gateway: answers `GET /api/v1/predictions` from Workers KV (written by the backend's sync),
 * falling back to the origin backend on a miss, with the same contract and schemas as the backend
 * (`@satcast/core`). Invalid input gets RFC 9457 problem+json.
 */
import { Hono, type Context } from 'hono';
import { HorizonSchema, HORIZONS, PredictionSchema, type Horizon, type Prediction } from '@satcast/core';

type AppEnv = { Bindings: Env };

export const latestKey = (h: Horizon) => `predictions:latest:${h}`;

function problem(c: Context<AppEnv>, status: 400 | 404 | 502 | 503, detail: string, errors?: { field: string; message: string }[]) {
  return c.body(
    JSON.stringify({ type: `https://satcast.dev/problems/${status}`, title: TITLES[status], status, detail, instance: new URL(c.req.url).pathname, ...(errors ? { errors } : {}) }),
    status,
    { 'content-type': 'application/problem+json' },
  );
}
const TITLES = { 400: 'Bad Request', 404: 'Not Found', 502: 'Bad Gateway', 503: 'Service Unavailable' } as const;

/** Latest prediction per horizon from KV; entries that fail the schema are ignored (and re-fetched). */
async function fromKv(env: Env, horizons: readonly Horizon[]): Promise<Prediction[]> {
  const out: Prediction[] = [];
  for (const h of horizons) {
    const raw = await env.PREDICTIONS.get(latestKey(h), 'json');
    const parsed = PredictionSchema.safeParse(raw);
    if (parsed.success) out.push(parsed.data);
  }
  return out;
}

/** Ask the backend; store what it returns in KV so the next caller is served at the edge. */
async function fromOrigin(env: Env, horizons: readonly Horizon[]): Promise<Prediction[] | undefined> {
  let res: Response;
  try {
    res = await fetch(`${env.ORIGIN_URL}/api/v1/predictions`, { headers: { accept: 'application/json' } });
  } catch {
    return undefined;
  }
  if (!res.ok) return undefined;
  const body = (await res.json().catch(() => undefined)) as { predictions?: unknown[] } | undefined;
  const preds = (body?.predictions ?? []).flatMap((p) => {
    const r = PredictionSchema.safeParse(p);
    return r.success ? [r.data] : [];
  });
  await Promise.all(preds.map((p) => env.PREDICTIONS.put(latestKey(p.horizon), JSON.stringify(p))));
  return preds.filter((p) => horizons.includes(p.horizon));
}

const app = new Hono<AppEnv>();

app.get('/api/v1/health', async (c) => {
  const latest = await fromKv(c.env, HORIZONS);
  const newest = latest.reduce((m, p) => Math.max(m, p.issuedAt), 0);
  return c.json({ status: 'ok', runtime: 'workerd', coreLoaded: typeof PredictionSchema.parse === 'function', newestPredictionAgeMs: newest ? Date.now() - newest : null });
});

app.get('/api/v1/predictions', async (c) => {
  const q = c.req.query('horizon');
  const parsed = q === undefined ? undefined : HorizonSchema.safeParse(q);
  if (parsed && !parsed.success) {
    return problem(c, 400, `invalid query: horizon must be one of ${HORIZONS.join(', ')} (got "${q}")`, [{ field: 'horizon', message: `expected one of ${HORIZONS.join(', ')}` }]);
  }
  const horizons = parsed?.success ? [parsed.data] : HORIZONS;
  let preds = await fromKv(c.env, horizons);
  let source = 'edge-kv';
  if (preds.length < horizons.length) {
    const origin = await fromOrigin(c.env, horizons);
    if (origin === undefined && preds.length === 0) return problem(c, 503, 'no cached prediction and the origin backend is unreachable');
    if (origin !== undefined) (preds = origin), (source = 'origin');
  }
  const newest = preds.reduce((m, p) => Math.max(m, p.issuedAt), 0);
  c.header('ETag', `"${newest}-${preds.length}"`);
  c.header('X-Satcast-Source', source);
  c.header('X-Satcast-Prediction-Age', String(Math.max(0, Math.round((Date.now() - newest) / 1000))));
  return c.json({ asset: preds[0]?.asset ?? 'BTCUSDT', predictions: preds });
});

app.notFound((c) => problem(c, 404, `no route for ${c.req.method} ${new URL(c.req.url).pathname}`));

export default app satisfies ExportedHandler<Env>;
