/**
 * Authentication and rate limiting for caller-facing routes. A bearer JWT identifies a user
 * (`@satcast/adapter-auth-jose`, the same rules as the edge), an `x-api-key` an API key (looked up by its
 * SHA-256; created with `satcast keys create`); without either, and only when the config
 * allows anonymous reads, the caller is identified by its address. Every caller then passes the
 * sliding-window limit; responses carry RateLimit-* headers, refusals are 429 + Retry-After. Auth
 * failures are written to the append-only audit log.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { getConnInfo } from '@hono/node-server/conninfo';
import { AuthError, roleAtLeast, type JwtVerifier, type Principal, type Role } from '@satcast/adapter-auth-jose';
import { sha256Hex, type Store } from '@satcast/core';
import { rateHeaders, type RateLimiter } from '../limits/ratelimit.js';
import { problem } from './problem.js';
import { tokenCache } from './token-cache.js';

export interface GuardOptions {
  verify?: JwtVerifier;
  allowAnonymous: boolean;
  limiter: RateLimiter;
  store: Store;
  /** Minimum role for the route (anonymous callers are viewers). */
  role?: Role;
}

/**
 * A request header by lower-case name. On `@hono/node-server` it is read straight from Node's raw header
 * list (`c.env.incoming.rawHeaders`): `c.req.header()` first builds a WHATWG `Headers` of every header,
 * which costs several µs on each request of the hot path. Same answer as `Headers.get`: case-insensitive
 * name, repeated headers joined with ", ". Elsewhere (tests via `app.request`, other runtimes) it falls
 * back to `c.req.header()`.
 *
 * @example
 * const auth = requestHeader(c, 'authorization');
 */
export function requestHeader(c: Context, name: string): string | undefined {
  const raw = nodeRawHeaders(c.env);
  return raw ? rawHeader(raw, name) : c.req.header(name);
}

/** Node's raw header list when the app runs on `@hono/node-server` (its env is `{ incoming, outgoing }`). */
export function nodeRawHeaders(env: unknown): string[] | undefined {
  return (env as { incoming?: { rawHeaders?: string[] } } | undefined)?.incoming?.rawHeaders;
}

/** A header from a raw `[name, value, name, value, …]` list, as `Headers.get` would answer (see requestHeader). */
export function rawHeader(raw: readonly string[], name: string): string | undefined {
  let out: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const k = raw[i]!;
    if (k.length === name.length && k.toLowerCase() === name) out = out === undefined ? raw[i + 1]! : `${out}, ${raw[i + 1]!}`;
  }
  return out;
}

// The RateLimit-* headers the guard decided for a request (on its Context), and the mark of a response
// that already carries them. Symbol properties, not WeakMap/WeakSet: those cost µs per request here.
const RATE_HEADERS = Symbol('satcast.rateHeaders');
const HAS_RATE_HEADERS = Symbol('satcast.hasRateHeaders');
type RatedContext = Context & { [RATE_HEADERS]?: Record<string, string> };
type RatedResponse = Response & { [HAS_RATE_HEADERS]?: true };

/**
 * A response for a guarded route whose headers are a plain record that already includes the guard's
 * RateLimit-* headers. The guard then leaves it alone instead of calling `c.res.headers.set`, which
 * would turn the record into a WHATWG `Headers` (and back, in the Node adapter) on every request: the
 * routed `GET /api/v1/predictions` answers this way (the pre-routing shortcut in hot-path.ts builds the
 * same headers itself). Only for handlers that set no other headers
 * (through `c.header()` or otherwise); the record is a literal of fixed shape because spreading the
 * decision's record into another object costs several µs in V8 here.
 *
 * @example
 * return guardedBody(c, json, 200, 'application/json');
 */
export function guardedBody(c: Context, body: string, status: number, contentType: string): Response {
  const rate = (c as RatedContext)[RATE_HEADERS];
  // A handler runs only for allowed requests, so there is no Retry-After to carry.
  if (!rate || rate['Retry-After'] !== undefined) return c.body(body, status as ContentfulStatusCode, { 'content-type': contentType });
  const res: RatedResponse = new Response(body, {
    status,
    headers: { 'content-type': contentType, 'RateLimit-Limit': rate['RateLimit-Limit']!, 'RateLimit-Remaining': rate['RateLimit-Remaining']!, 'RateLimit-Reset': rate['RateLimit-Reset']! },
  });
  res[HAS_RATE_HEADERS] = true;
  return res;
}

function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function guard(o: GuardOptions): MiddlewareHandler<{ Variables: { principal: Principal } }> {
  // Repeat callers are authenticated from the token cache (see token-cache.ts for its guarantees).
  const tokens = o.verify ? tokenCache(o.verify) : undefined;
  return async (c, next) => {
    const header = requestHeader(c, 'authorization');
    let principal: Principal;
    let apiKey: string | undefined;
    if (header !== undefined && header.length >= 7 && header.slice(0, 7).toLowerCase() === 'bearer ') {
      try {
        if (!tokens) throw new AuthError('bearer tokens are not accepted: no JWT secret or JWKS is configured');
        const token = header.slice(7).trim();
        principal = tokens.peek(token) ?? (await tokens.verify(token));
      } catch (err) {
        const reason = err instanceof AuthError ? err.message.replace(/^\[satcast\] \[auth\] /, '') : 'token check failed';
        await o.store.appendAudit({ at: Date.now(), actor: `ip:${clientAddress(c)}`, action: 'auth.failure', target: c.req.path, detail: { reason } });
        return problem(c, 401, reason, { headers: { 'WWW-Authenticate': 'Bearer' } });
      }
    } else if ((apiKey = requestHeader(c, 'x-api-key'))) {
      const rec = await o.store.findApiKeyByHash(await sha256Hex(apiKey));
      if (!rec || rec.revokedAt !== undefined) {
        await o.store.appendAudit({ at: Date.now(), actor: `ip:${clientAddress(c)}`, action: 'auth.failure', target: c.req.path, detail: { reason: rec ? 'revoked API key' : 'unknown API key' } });
        return problem(c, 401, rec ? 'this API key was revoked' : 'unknown API key', { headers: { 'WWW-Authenticate': 'Bearer' } });
      }
      principal = { id: `key:${rec.id}`, role: rec.role, via: 'api-key' };
    } else if (o.allowAnonymous) {
      principal = { id: `ip:${clientAddress(c)}`, role: 'viewer', via: 'jwt' };
    } else {
      await o.store.appendAudit({ at: Date.now(), actor: `ip:${clientAddress(c)}`, action: 'auth.failure', target: c.req.path, detail: { reason: 'missing credentials' } });
      return problem(c, 401, 'missing credentials: send Authorization: Bearer <token>', { headers: { 'WWW-Authenticate': 'Bearer' } });
    }
    if (o.role && !roleAtLeast(principal.role, o.role)) return problem(c, 403, `this route needs the ${o.role} role`);
    const d = o.limiter.hitSync ? o.limiter.hitSync(principal.id) : await o.limiter.hit(principal.id);
    const headers = rateHeaders(d);
    if (!d.allowed) return problem(c, 429, `rate limit of ${d.limit} requests per window reached; retry in ${d.resetSeconds} s`, { headers });
    c.set('principal', principal);
    (c as RatedContext)[RATE_HEADERS] = headers;
    await next();
    if ((c.res as RatedResponse)[HAS_RATE_HEADERS]) return;
    for (const k in headers) c.res.headers.set(k, headers[k]!);
  };
}
