/**
 * The synchronous hot path for a cached `GET /api/v1/predictions`.
 *
 * Measured in local workerd, a handler that returns a pending Promise costs ~0.1 ms more workerd CPU per
 * request than one that returns a Response directly, about as much as all of our JavaScript on that path.
 * So when everything a cached answer needs is already in this isolate — a bearer token verified here
 * (auth.ts), a leased rate-limit permit (ratelimit.ts), a fresh memo of the latest set with its body built
 * (latest.ts), not stale — the Worker answers without a Promise or the Hono chain. Anything else (API
 * keys, no permit held, memo expired, stale data, bad query) returns undefined and goes through Hono, which
 * gives the same answer on the slow path; a permit is only spent once the fast answer is certain.
 */
import { HORIZONS, type Horizon } from '@satcast/core';
import { peekVerifiedJwt } from './auth.js';
import { peekLatestView, type LatestView } from './latest.js';
import { rateHeaders, type PermitCache } from './ratelimit.js';

/** The 200/304 answer for a prediction view; both paths build it here so they cannot drift apart. */
export function predictionsResponse(view: LatestView, rate: Record<string, string>, o: { source: string; stale: boolean; ifNoneMatch: string | null | undefined }): Response {
  const headers: Record<string, string> = {
    ...rate,
    ETag: view.etag,
    'Cache-Control': 'private, max-age=5',
    'X-Satcast-Source': o.source,
    'X-Satcast-Prediction-Age': String(Math.max(0, Math.round((Date.now() - view.newest) / 1000))),
  };
  if (o.stale) {
    headers.Warning = '110 - "Response is Stale"';
    headers['X-Satcast-Stale'] = 'true';
  }
  if (o.ifNoneMatch === view.etag) return new Response(null, { status: 304, headers });
  headers['content-type'] = 'application/json';
  return new Response(view.body(o.stale), { status: 200, headers });
}

const PATH = '/api/v1/predictions';
const ALL: readonly Horizon[] = HORIZONS;

/** The fast answer, or undefined to take the ordinary (Hono) path. */
export function fastPredictions(req: Request, env: Env, permits: PermitCache): Response | undefined {
  if (req.method !== 'GET') return undefined;
  const url = req.url;
  const start = url.indexOf('/', url.indexOf('//') + 2);
  const q = url.indexOf('?', start);
  if ((q < 0 ? url.slice(start) : url.slice(start, q)) !== PATH) return undefined;
  let horizons = ALL;
  if (q >= 0) {
    const m = /^horizon=(1h|4h|24h)$/.exec(url.slice(q + 1));
    if (!m) return undefined; // anything but a plain valid horizon: let the slow path validate
    horizons = [m[1] as Horizon];
  }
  const auth = req.headers.get('authorization');
  if (!auth || !/^bearer /i.test(auth)) return undefined;
  const principal = peekVerifiedJwt(auth.slice(7).trim(), env);
  if (!principal) return undefined;
  const view = peekLatestView(horizons);
  if (!view || Date.now() - view.newest > Number(env.STALE_AFTER_MS || 7_200_000)) return undefined;
  const decision = permits.tryTakeLocal(principal.id, { limit: Number(env.RATE_LIMIT || 1000), windowMs: Number(env.RATE_WINDOW_MS || 3_600_000) });
  if (!decision) return undefined;
  return predictionsResponse(view, rateHeaders(decision), { source: 'edge-kv', stale: false, ifNoneMatch: req.headers.get('if-none-match') });
}
