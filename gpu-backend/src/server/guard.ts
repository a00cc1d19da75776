/**
 * Authentication and rate limiting for caller-facing routes. A bearer JWT identifies a user
 * (`@satcast/adapter-auth-jose`, the same rules as the edge), an `x-api-key` an API key (looked up by its
 * SHA-256; created with `satcast keys create`); without either, and only when the config
 * allows anonymous reads, the caller is identified by its address. Every caller then passes the
 * sliding-window limit; responses carry RateLimit-* headers, refusals are 429 + Retry-After. Auth
 * failures are written to the append-only audit log.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { AuthError, roleAtLeast, type JwtVerifier, type Principal, type Role } from '@satcast/adapter-auth-jose';
import { sha256Hex, type Store } from '@satcast/core';
import { rateHeaders, type RateLimiter } from '../limits/ratelimit.js';
import { problem } from './problem.js';

export interface GuardOptions {
  verify?: JwtVerifier;
  allowAnonymous: boolean;
  limiter: RateLimiter;
  store: Store;
  /** Minimum role for the route (anonymous callers are viewers). */
  role?: Role;
}

function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function guard(o: GuardOptions): MiddlewareHandler<{ Variables: { principal: Principal } }> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    let principal: Principal;
    if (header?.toLowerCase().startsWith('bearer ')) {
      try {
        if (!o.verify) throw new AuthError('bearer tokens are not accepted: no JWT secret or JWKS is configured');
        principal = await o.verify(header.slice(7).trim());
      } catch (err) {
        const reason = err instanceof AuthError ? err.message.replace(/^\[satcast\] \[auth\] /, '') : 'token check failed';
        await o.store.appendAudit({ at: Date.now(), actor: `ip:${clientAddress(c)}`, action: 'auth.failure', target: c.req.path, detail: { reason } });
        return problem(c, 401, reason, { headers: { 'WWW-Authenticate': 'Bearer' } });
      }
    } else if (c.req.header('x-api-key')) {
      const rec = await o.store.findApiKeyByHash(await sha256Hex(c.req.header('x-api-key')!));
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
    const d = await o.limiter.hit(principal.id);
    const headers = rateHeaders(d);
    if (!d.allowed) return problem(c, 429, `rate limit of ${d.limit} requests per window reached; retry in ${d.resetSeconds} s`, { headers });
    c.set('principal', principal);
    await next();
    for (const [k, v] of Object.entries(headers)) c.res.headers.set(k, v);
  };
}
