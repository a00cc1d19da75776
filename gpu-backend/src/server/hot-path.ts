/**
 * The hot path of the API: `GET /api/v1/predictions` without a query, by a caller whose bearer token was
 * verified before, while the latest body is memoised. Every client polls exactly this, so it is answered
 * before routing, synchronously: no Hono context, no middleware chain (each an async step), the memoised
 * body as it is. Node's HTTP server then writes the response within the same tick, as for a bare route.
 *
 * It is a shortcut, not a second implementation: it answers only when the full path would give the same
 * response, and hands the request to the app otherwise (no or unknown token, any query, a refused rate
 * limit, no memoised body, another store than memory for limits...), so auth failures, audit, 429 and
 * validation all stay in one place. What it does do is what the full path does for this request: the
 * same token rules (token-cache.ts), the same rate-limit hit and RateLimit-* headers, the same body, the
 * same `satcast_http_request_duration_seconds{method="GET",route="/api/v1/predictions",status="200"}`.
 * A middleware added to this route in app.ts must be mirrored here (or this shortcut removed).
 */
import type { JwtVerifier, Principal } from '@satcast/adapter-auth-jose';
import type { RateLimiter } from '../limits/ratelimit.js';
import type { Metrics } from '../metrics/metrics.js';
import { nodeRawHeaders, rawHeader } from './guard.js';
import { tokenCache } from './token-cache.js';

export const PREDICTIONS_PATH = '/api/v1/predictions';

export interface HotPathOptions {
  verify?: JwtVerifier;
  limiter: RateLimiter;
  metrics: Metrics;
  /** The memoised body (UTF-8) of the latest predictions for this caller (all horizons), if there is one now. */
  latestBody(principal: Principal, now: number): Uint8Array<ArrayBuffer> | undefined;
}

/**
 * A pre-router for the app's `fetch`: a Response for the hot request, undefined for anything else.
 *
 * @example
 * const hot = predictionsHotPath({ verify, limiter, metrics, latestBody });
 * const fetch = app.fetch;
 * app.fetch = (req, env, ctx) => hot(req, env) ?? fetch(req, env, ctx);
 */
export function predictionsHotPath(o: HotPathOptions): (req: Request, env?: unknown) => Response | undefined {
  const tokens = o.verify ? tokenCache(o.verify) : undefined;
  const hitSync = o.limiter.hitSync;
  if (!tokens || !hitSync) return () => undefined;
  return (req, env) => {
    if (req.method !== 'GET') return undefined;
    const url = req.url;
    // Exactly the path, nothing after it (no query, no fragment); any other spelling takes the full path.
    if (!url.endsWith(PREDICTIONS_PATH) || url.indexOf('/', url.indexOf('://') + 3) !== url.length - PREDICTIONS_PATH.length) return undefined;
    const t0 = performance.now();
    const raw = nodeRawHeaders(env);
    const auth = raw ? rawHeader(raw, 'authorization') : (req.headers.get('authorization') ?? undefined);
    if (auth === undefined || auth.length < 8 || auth.slice(0, 7).toLowerCase() !== 'bearer ') return undefined;
    const now = Date.now();
    const principal = tokens.peek(auth.slice(7).trim(), now);
    if (!principal) return undefined;
    const body = o.latestBody(principal, now);
    if (body === undefined) return undefined;
    const d = hitSync(principal.id, now);
    // Refused: the full path asks again (a refusal changes no count) and answers the 429 problem.
    if (!d.allowed) return undefined;
    const res = new Response(body, {
      status: 200,
      headers: { 'content-type': 'application/json', 'RateLimit-Limit': String(d.limit), 'RateLimit-Remaining': String(d.remaining), 'RateLimit-Reset': String(d.resetSeconds) },
    });
    o.metrics.observeHttp('GET', PREDICTIONS_PATH, 200, (performance.now() - t0) / 1000);
    return res;
  };
}
