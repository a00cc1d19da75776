import { SignJWT } from 'jose';
import { signPayload, type Prediction } from '@satcast/core';

export const JWT_SECRET = 'test-only-jwt-secret-0123456789abcdef';
export const SYNC_K1 = 'test-only-sync-key-one-0123456789';

let n = 0;
/** A valid HS256 token for a fresh subject (each test gets its own rate-limit bucket). */
export async function token(claims: Record<string, unknown> = {}, opts: { secret?: string; exp?: string | number; aud?: string } = {}) {
  return new SignJWT({ role: 'viewer', ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(String(claims.sub ?? `user-${Date.now()}-${n++}`))
    .setIssuer('https://auth.satcast.local')
    .setAudience(opts.aud ?? 'satcast-api')
    .setIssuedAt()
    .setExpirationTime(opts.exp ?? '5m')
    .sign(new TextEncoder().encode(opts.secret ?? JWT_SECRET));
}

export function prediction(horizon: '1h' | '4h' | '24h', issuedAt = Date.now() - 60_000): Prediction {
  const step = { '1h': 3_600_000, '4h': 14_400_000, '24h': 86_400_000 }[horizon];
  return {
    asset: 'BTCUSDT', horizon, issuedAt, targetTime: issuedAt + step, lastPrice: 107_135.34, point: 107_140.1,
    quantiles: { p05: 105_900, p25: 106_700, p50: 107_140, p75: 107_600, p95: 108_400 },
    pUp: 0.53, confidence: 0.53, conservative: true, modelVersion: 'ewma-band@refit-1', metadata: { model: 'ewma-band' },
  };
}

export async function signedSync(predictions: Prediction[], opts: { keyId?: string; secret?: string; ts?: number; body?: string } = {}) {
  const body = opts.body ?? JSON.stringify({ predictions });
  const ts = opts.ts ?? Date.now();
  return new Request('https://edge.test/sync/predictions', {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'x-satcast-key-id': opts.keyId ?? 'k1',
      'x-satcast-timestamp': String(ts),
      'x-satcast-signature': await signPayload(opts.secret ?? SYNC_K1, ts, body),
    },
  });
}
