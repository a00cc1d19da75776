import type { AuditEntry } from '@satcast/core';
import { ValidationError } from '@satcast/core';
import { PLUGIN, canonicalJson } from './validate.js';

/** `prevHash` of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * Hex sha256 of `prevHash + canonicalJson({at, actor, action, target, detail})`. WebCrypto, not node:crypto,
 * so the edge worker and `@satcast/core/testing`'s `verifyAuditChain` compute the very same hash.
 */
export async function auditHash(prevHash: string, e: AuditEntry): Promise<string> {
  const content = canonicalJson({ at: e.at, actor: e.actor, action: e.action, target: e.target, detail: e.detail });
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(prevHash + content));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Core has no zod schema for audit entries; these are the few rules a chain needs. */
export function checkAuditEntry(e: AuditEntry): void {
  const bad = (field: string, why: string) => new ValidationError(`appendAudit: field "${field}" ${why}`, { plugin: PLUGIN, field });
  if (!Number.isSafeInteger(e?.at) || e.at < 0) throw bad('at', 'must be epoch milliseconds');
  if (typeof e.actor !== 'string' || e.actor === '') throw bad('actor', 'must be a non-empty string');
  if (typeof e.action !== 'string' || e.action === '') throw bad('action', 'must be a non-empty string');
  if (e.target !== undefined && typeof e.target !== 'string') throw bad('target', 'must be a string');
  if (e.detail !== undefined && (e.detail === null || typeof e.detail !== 'object' || Array.isArray(e.detail))) throw bad('detail', 'must be an object');
}
