/**
 * @module @satcast/adapter-auth-jose
 * Bearer-token verification shared by the backend and the edge, so both apply the same rules: OAuth2
 * JWTs verified with `jose` against an HS256 shared secret or a JWKS URL; `iss`, `aud`, `exp`, `nbf`
 * checked (with a small clock tolerance); `alg: none` and any algorithm outside the allow-list refused
 * before a key is touched; the role claim mapped onto Satcast's RBAC roles. Successful verifications are
 * memoised until shortly before expiry. WebCrypto only: runs in Node and workerd.
 */
import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { SatcastError } from '@satcast/core';

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  /** Stable id used for rate limits and audit: `jwt:<sub>` or `key:<id>`. */
  id: string;
  role: Role;
  via: 'jwt' | 'api-key';
  /** JWT expiry, seconds since epoch. */
  exp?: number;
}

/** Authentication failed (401). The message says why without echoing the token. */
export class AuthError extends SatcastError {
  constructor(message: string) {
    super(message, { code: 'UNAUTHORIZED', plugin: 'auth' });
  }
}

export interface JwtVerifierOptions {
  /** HS256 shared secret; or `jwksUrl` for RS256/ES256/EdDSA. */
  secret?: string;
  jwksUrl?: string;
  issuer: string;
  audience: string;
  /** Claim holding the role (default `role`). Unknown roles become `viewer`. */
  roleClaim?: string;
  clockToleranceSec?: number;
  /** Max memoised tokens. */
  cacheSize?: number;
}

export type JwtVerifier = (token: string) => Promise<Principal>;

export function createJwtVerifier(o: JwtVerifierOptions): JwtVerifier {
  if (!o.secret && !o.jwksUrl) throw new SatcastError('JWT verification needs a secret or a JWKS URL', { code: 'CONFIG', plugin: 'auth' });
  const algorithms = o.jwksUrl ? ['RS256', 'ES256', 'EdDSA'] : ['HS256'];
  const key: Promise<CryptoKey> | JWTVerifyGetKey = o.jwksUrl
    ? createRemoteJWKSet(new URL(o.jwksUrl))
    : crypto.subtle.importKey('raw', new TextEncoder().encode(o.secret!), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  const memo = new Map<string, { principal: Principal; until: number }>();
  const max = o.cacheSize ?? 10_000;

  return async (token) => {
    const hit = memo.get(token);
    if (hit && hit.until > Date.now()) return hit.principal;
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw new AuthError('invalid bearer token: not a JWS');
    }
    if (!alg || !algorithms.includes(alg)) throw new AuthError(`invalid bearer token: algorithm "${alg}" not allowed`);
    let payload;
    try {
      const opts = { issuer: o.issuer, audience: o.audience, algorithms, clockTolerance: o.clockToleranceSec ?? 5 };
      payload = (typeof key === 'function' ? await jwtVerify(token, key, opts) : await jwtVerify(token, await key, opts)).payload;
    } catch (err) {
      const why = err instanceof errors.JWTExpired ? 'expired' : err instanceof errors.JWTClaimValidationFailed ? `claim "${err.claim}" invalid` : 'signature or format invalid';
      throw new AuthError(`invalid bearer token: ${why}`);
    }
    if (!payload.sub) throw new AuthError('invalid bearer token: no "sub" claim');
    const claimed = (payload as Record<string, unknown>)[o.roleClaim ?? 'role'];
    const principal: Principal = { id: `jwt:${payload.sub}`, role: ROLES.includes(claimed as Role) ? (claimed as Role) : 'viewer', via: 'jwt', exp: payload.exp };
    const until = Math.min((payload.exp ?? Infinity) * 1000 - 5000, Date.now() + 60_000);
    if (until > Date.now()) {
      if (memo.size >= max) memo.delete(memo.keys().next().value!);
      memo.set(token, { principal, until });
    }
    return principal;
  };
}

/** Whether `role` may act as `required` (admin > operator > viewer). */
export function roleAtLeast(role: Role, required: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(required);
}
