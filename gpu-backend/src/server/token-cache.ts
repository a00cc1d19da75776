/**
 * Verified bearer tokens, remembered by their exact string per verifier, so a caller that polls with the
 * same token is authenticated by one map lookup, synchronously (the hot path of `GET /api/v1/predictions`
 * answers without entering the middleware chain; see `hot-path.ts`).
 *
 * Security properties, each kept by construction:
 * - an entry exists only after the verifier accepted the token (signature, `alg`, `iss`, `aud`, `exp`,
 *   `nbf` checked there); time only moves forward after that, so "before nbf" cannot come back;
 * - it is never used after `exp`: it ends 5 s before `exp` (the verifier's clock tolerance), and at most
 *   60 s after it was verified, so a JWKS key rotation or revocation by key removal takes effect within 60 s
 *   (as with the verifier's own memo);
 * - one cache per verifier instance: a verifier is built from one secret / JWKS URL / issuer / audience,
 *   so a token accepted under one configuration is never served under another;
 * - bounded: at most `maxEntries` tokens (default 10,000), the oldest dropped first.
 */
import type { JwtVerifier, Principal } from '@satcast/adapter-auth-jose';

export interface TokenCache {
  /** Verify through the underlying verifier and remember a success (errors propagate unchanged). */
  verify(token: string): Promise<Principal>;
  /** The principal of a token verified before and still within its cache lifetime, else undefined. */
  peek(token: string, now?: number): Principal | undefined;
}

const TTL_MS = 60_000;
const EXP_MARGIN_MS = 5_000;
const caches = new WeakMap<JwtVerifier, TokenCache>();

/**
 * The token cache of a verifier (one per verifier instance, shared by every route that uses it).
 *
 * @example
 * const tokens = tokenCache(verify);
 * const principal = tokens.peek(token) ?? (await tokens.verify(token));
 */
export function tokenCache(verify: JwtVerifier, o: { maxEntries?: number } = {}): TokenCache {
  const existing = caches.get(verify);
  if (existing) return existing;
  const max = o.maxEntries ?? 10_000;
  const entries = new Map<string, { principal: Principal; until: number }>();
  const cache: TokenCache = {
    async verify(token) {
      const principal = await verify(token);
      const now = Date.now();
      const until = Math.min(principal.exp !== undefined ? principal.exp * 1000 - EXP_MARGIN_MS : Infinity, now + TTL_MS);
      if (until > now) {
        entries.delete(token);
        if (entries.size >= max) entries.delete(entries.keys().next().value!);
        entries.set(token, { principal, until });
      }
      return principal;
    },
    peek(token, now = Date.now()) {
      const e = entries.get(token);
      if (e === undefined) return undefined;
      if (e.until > now) return e.principal;
      entries.delete(token);
      return undefined;
    },
  };
  caches.set(verify, cache);
  return cache;
}
