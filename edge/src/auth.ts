/**
 * Caller authentication at the edge, with the same rules as the backend: OAuth2 bearer JWTs verified with
 * `jose` (HS256 shared secret or a JWKS URL; `iss`, `aud`, `exp`, `nbf` checked; `alg: none` and
 * unexpected algorithms refused) or API keys, stored only as SHA-256 hashes in KV (`apikey:<hex>`).
 */
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { sha256Hex } from '@satcast/core';

export type Role = 'viewer' | 'operator' | 'admin';
export interface Principal {
  /** Stable id used for rate limiting: `jwt:<sub>` or `key:<hash prefix>`. */
  id: string;
  role: Role;
  via: 'jwt' | 'api-key';
  /** Token expiry (s since epoch) for JWTs. */
  exp?: number;
}

export class AuthError extends Error {}

const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];
let jwks: { url: string; get: JWTVerifyGetKey } | undefined;
// Importing the HMAC key is the costliest step of an HS256 check; do it once per isolate and secret.
let hsKey: { secret: string; key: Promise<CryptoKey> } | undefined;
function hmacKey(secret: string): Promise<CryptoKey> {
  if (hsKey?.secret !== secret) {
    hsKey = { secret, key: crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']) };
  }
  return hsKey.key;
}

/**
 * Verified tokens, kept per isolate until shortly before they expire (bounded size), so a caller's
 * repeated requests skip the signature check. Only successes are cached; keys are the full token.
 */
const verified = new Map<string, { principal: Principal; until: number }>();
const VERIFIED_MAX = 10_000;

export async function verifyJwt(token: string, env: Env): Promise<Principal> {
  const cacheKey = `${env.JWT_JWKS_URL ?? env.JWT_SECRET ?? ''}|${token}`;
  const hit = verified.get(cacheKey);
  if (hit && hit.until > Date.now()) return hit.principal;
  if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value!);
  const principal = await verifyJwtUncached(token, env);
  // Cached until 5 s before `exp` (at most 60 s), keyed by the verifying key too, so rotating it takes effect.
  const until = Math.min((principal.exp ?? Infinity) * 1000 - 5000, Date.now() + 60_000);
  if (until > Date.now()) verified.set(cacheKey, { principal, until });
  return principal;
}

async function verifyJwtUncached(token: string, env: Env): Promise<Principal> {
  const algorithms = env.JWT_JWKS_URL ? ['RS256', 'ES256', 'EdDSA'] : ['HS256'];
  // Refuse `alg: none` and unexpected algorithms before any key is touched.
  let alg: string | undefined;
  try {
    alg = decodeProtectedHeader(token).alg;
  } catch {
    throw new AuthError('invalid bearer token: not a JWS');
  }
  if (!alg || !algorithms.includes(alg)) throw new AuthError(`invalid bearer token: algorithm "${alg}" not allowed`);
  const opts = { issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE, algorithms };
  let result;
  try {
    if (env.JWT_JWKS_URL) {
      if (jwks?.url !== env.JWT_JWKS_URL) jwks = { url: env.JWT_JWKS_URL, get: createRemoteJWKSet(new URL(env.JWT_JWKS_URL)) };
      result = await jwtVerify(token, jwks.get, opts);
    } else if (env.JWT_SECRET) {
      result = await jwtVerify(token, await hmacKey(env.JWT_SECRET), opts);
    } else {
      throw new AuthError('JWT authentication is not configured at this edge');
    }
  } catch (err) {
    if (err instanceof AuthError) throw err;
    throw new AuthError(`invalid bearer token: ${(err as { code?: string }).code ?? 'ERR_JWT_INVALID'}`);
  }
  const role = (result.payload as { role?: unknown }).role;
  if (!result.payload.sub) throw new AuthError('invalid bearer token: no "sub" claim');
  return { id: `jwt:${result.payload.sub}`, role: ROLES.includes(role as Role) ? (role as Role) : 'viewer', via: 'jwt', exp: result.payload.exp };
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
