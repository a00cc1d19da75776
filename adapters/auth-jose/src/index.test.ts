import { describe, expect, it } from 'vitest';
import { SignJWT, generateKeyPair, exportJWK } from 'jose';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createJwtVerifier, roleAtLeast } from './index.js';

const secret = 'auth-test-secret-0123456789abcdef';
const base = { issuer: 'https://auth.satcast.local', audience: 'satcast-api' };
const sign = (claims: Record<string, unknown> = {}, o: { key?: Uint8Array; aud?: string; exp?: string | number; nbf?: string | number } = {}) => {
  let j = new SignJWT({ role: 'operator', ...claims }).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setIssuer(base.issuer).setAudience(o.aud ?? base.audience).setExpirationTime(o.exp ?? '5m');
  if (o.nbf !== undefined) j = j.setNotBefore(o.nbf);
  return j.sign(o.key ?? new TextEncoder().encode(secret));
};
const b64 = (x: object) => Buffer.from(JSON.stringify(x)).toString('base64url');

describe('createJwtVerifier (HS256)', () => {
  const verify = createJwtVerifier({ ...base, secret });

  it('accepts a valid token and maps the role', async () => {
    expect(await verify(await sign())).toMatchObject({ id: 'jwt:alice', role: 'operator', via: 'jwt' });
    expect((await verify(await sign({ role: 'superuser' }))).role).toBe('viewer');
  });

  it('refuses expired, not-yet-valid, wrong-audience, wrong-key and alg:none tokens with a reason', async () => {
    await expect(verify(await sign({}, { exp: Math.floor(Date.now() / 1000) - 60 }))).rejects.toThrow(/expired/);
    await expect(verify(await sign({}, { nbf: Math.floor(Date.now() / 1000) + 3600 }))).rejects.toThrow(/claim "nbf" invalid/);
    await expect(verify(await sign({}, { aud: 'other' }))).rejects.toThrow(/claim "aud" invalid/);
    await expect(verify(await sign({}, { key: new TextEncoder().encode('a-different-secret-0123456789abc') }))).rejects.toThrow(/signature/);
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'x', iss: base.issuer, aud: base.audience, exp: 9_999_999_999 })}.`;
    await expect(verify(none)).rejects.toThrow(/algorithm "none" not allowed/);
    await expect(verify('garbage')).rejects.toThrow(/not a JWS/);
  });

  it('orders roles', () => {
    expect(roleAtLeast('admin', 'operator')).toBe(true);
    expect(roleAtLeast('viewer', 'operator')).toBe(false);
  });
});

describe('createJwtVerifier (JWKS)', () => {
  it('verifies RS256 tokens against keys served by a JWKS endpoint, refusing HS256', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const verify = createJwtVerifier({ ...base, jwksUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json` });
      const token = await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setSubject('ops').setIssuer(base.issuer).setAudience(base.audience).setExpirationTime('5m').sign(privateKey);
      expect(await verify(token)).toMatchObject({ id: 'jwt:ops', role: 'admin' });
      await expect(verify(await sign())).rejects.toThrow(/algorithm "HS256" not allowed/);
    } finally {
      server.close();
    }
  });
});
