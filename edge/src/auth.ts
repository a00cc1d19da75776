/**
 * Caller authentication at the edge, with the backend's rules (`@satcast/adapter-auth-jose`): bearer JWTs
 * (HS256 `JWT_SECRET` or `JWT_JWKS_URL`; iss/aud/exp/nbf; `alg: none` refused) or API keys, stored only as
 * SHA-256 hashes in KV (`apikey:<hex>` → `{ "role": "viewer" }`).
 */
import { AuthError, ROLES, createJwtVerifier, type JwtVerifier, type Principal, type Role } from '@satcast/adapter-auth-jose';
import { sha256Hex } from '@satcast/core';

export { AuthError, type Principal, type Role };

// One verifier per isolate and configuration (it memoises the imported key and verified tokens).
let verifier: { config: string; verify: JwtVerifier } | undefined;

const configOf = (env: Env) => `${env.JWT_JWKS_URL ?? ''}|${env.JWT_SECRET ?? ''}|${env.JWT_ISSUER}|${env.JWT_AUDIENCE}`;

/**
 * Tokens this isolate verified, for the synchronous hot path (`peekVerifiedJwt`). The same rule as the
 * verifier's own memo: kept until min(exp - 5 s, verified + 60 s), at most 10,000, and only for the
 * verifier configuration (secret/JWKS, issuer, audience) that verified them.
 */
const verified = new Map<string, { config: string; principal: Principal; until: number }>();
const VERIFIED_MAX = 10_000;

/** A token verified in this isolate under the current configuration and still within its memo time. */
export function peekVerifiedJwt(token: string, env: Env): Principal | undefined {
  const hit = verified.get(token);
  if (!hit || hit.until <= Date.now() || hit.config !== configOf(env)) return undefined;
  return hit.principal;
}

export async function verifyJwt(token: string, env: Env): Promise<Principal> {
  const config = configOf(env);
  if (verifier?.config !== config) {
    if (!env.JWT_SECRET && !env.JWT_JWKS_URL) throw new AuthError('JWT authentication is not configured at this edge');
    verifier = {
      config,
      verify: createJwtVerifier({ secret: env.JWT_SECRET, jwksUrl: env.JWT_JWKS_URL, issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE }),
    };
  }
  const principal = await verifier.verify(token);
  const until = Math.min((principal.exp ?? Infinity) * 1000 - 5000, Date.now() + 60_000);
  if (until > Date.now()) {
    if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value!);
    verified.set(token, { config, principal, until });
  }
  return principal;
}

export async function verifyApiKey(key: string, env: Env): Promise<Principal> {
  const hash = await sha256Hex(key);
  const rec = (await env.PREDICTIONS.get(`apikey:${hash}`, 'json')) as { role?: Role; revoked?: boolean } | null;
  if (!rec || rec.revoked) throw new AuthError('unknown or revoked API key');
  return { id: `key:${hash.slice(0, 16)}`, role: ROLES.includes(rec.role as Role) ? (rec.role as Role) : 'viewer', via: 'api-key' };
}

/**
 * Credentials from `Authorization: Bearer <jwt>`, `x-api-key`, or — for browsers' WebSocket API, which
 * cannot set headers — the `Sec-WebSocket-Protocol` values `bearer, <jwt>`.
 */
export async function authenticate(req: Request, env: Env): Promise<Principal> {
  // `return await` (not a bare return) so a rejection is handled here; workerd reports adopted rejections.
  const header = req.headers.get('authorization');
  if (header?.toLowerCase().startsWith('bearer ')) return await verifyJwt(header.slice(7).trim(), env);
  const key = req.headers.get('x-api-key');
  if (key) return await verifyApiKey(key, env);
  const protocols = (req.headers.get('sec-websocket-protocol') ?? '').split(',').map((s) => s.trim());
  const i = protocols.indexOf('bearer');
  if (i >= 0 && protocols[i + 1]) return await verifyJwt(protocols[i + 1]!, env);
  throw new AuthError('missing credentials: send Authorization: Bearer <token> or x-api-key');
}
