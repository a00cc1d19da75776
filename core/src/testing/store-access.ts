import { expect } from 'vitest';
import type { Store } from '../interfaces/store.js';
import type { AlertRule } from '../schemas/access.js';
import { sha256Hex } from '../crypto.js';
import type { caseFor } from './suite.js';

type Case = ReturnType<typeof caseFor>;

const rule = (id: string, owner: string, at: number): AlertRule => ({
  id, owner, name: `confident 4h (${id})`, kind: 'confidence_above', horizon: '4h', threshold: 0.7,
  channel: { type: 'webhook', url: 'https://hooks.example.com/satcast' }, enabled: true, createdAt: at, updatedAt: at,
});

/** API keys (hashed only) and user alert rules: part of the store contract. */
export function registerAccessTests(test: Case, s: () => Store): void {
  test('API keys: found by hash only, listed, revoked', async () => {
    const hash = await sha256Hex('sk_live_0123456789');
    await s().putApiKey({ id: 'key_abc123', hash, owner: 'alice', role: 'operator', createdAt: 1_719_792_000_000 });
    expect(await s().findApiKeyByHash(hash)).toEqual({ id: 'key_abc123', hash, owner: 'alice', role: 'operator', createdAt: 1_719_792_000_000 });
    expect(await s().findApiKeyByHash(await sha256Hex('sk_live_other'))).toBeUndefined();
    expect(await s().revokeApiKey('key_abc123', 1_719_800_000_000)).toBe(true);
    expect(await s().revokeApiKey('key_missing', 1)).toBe(false);
    expect((await s().listApiKeys())[0]).toMatchObject({ id: 'key_abc123', revokedAt: 1_719_800_000_000 });
  });

  test('API keys: a malformed row is refused and nothing is written', async () => {
    await expect(s().putApiKey({ id: 'key_bad001', hash: 'not-hex', owner: 'x', role: 'viewer', createdAt: 1 })).rejects.toThrow(/hash/);
    await expect(s().putApiKey({ id: 'key_bad002', hash: 'a'.repeat(64), owner: 'x', role: 'root' as 'admin', createdAt: 1 })).rejects.toThrow(/role/);
    expect(await s().listApiKeys()).toEqual([]);
  });

  test('alert rules: put, get, list by owner, replace, delete', async () => {
    await s().putAlertRule(rule('r1', 'alice', 1000));
    await s().putAlertRule(rule('r2', 'bob', 2000));
    expect(await s().getAlertRule('r1')).toEqual(rule('r1', 'alice', 1000));
    expect((await s().listAlertRules({ owner: 'alice' })).map((r) => r.id)).toEqual(['r1']);
    expect((await s().listAlertRules()).map((r) => r.id)).toEqual(['r1', 'r2']);
    await s().putAlertRule({ ...rule('r1', 'alice', 1000), threshold: 0.8, updatedAt: 3000 });
    expect(await s().getAlertRule('r1')).toMatchObject({ threshold: 0.8, createdAt: 1000, updatedAt: 3000 });
    expect(await s().deleteAlertRule('r1')).toBe(true);
    expect(await s().deleteAlertRule('r1')).toBe(false);
    expect(await s().getAlertRule('r1')).toBeUndefined();
  });
}
