import type { AuditEntry } from '@satcast/core';
import { AUDIT_GENESIS_HASH, auditEntryHash, ValidationError } from '@satcast/core';
import { PLUGIN } from './validate.js';

/** `prevHash` of the first entry (re-exported from core, where the chain is defined). */
export const GENESIS_HASH = AUDIT_GENESIS_HASH;
/** Hash of one audit entry (core's single definition). */
export const auditHash = auditEntryHash;

/** Core has no zod schema for audit entries; these are the few rules a chain needs. */
export function checkAuditEntry(e: AuditEntry): void {
  const bad = (field: string, why: string) => new ValidationError(`appendAudit: field "${field}" ${why}`, { plugin: PLUGIN, field });
  if (!Number.isSafeInteger(e?.at) || e.at < 0) throw bad('at', 'must be epoch milliseconds');
  if (typeof e.actor !== 'string' || e.actor === '') throw bad('actor', 'must be a non-empty string');
  if (typeof e.action !== 'string' || e.action === '') throw bad('action', 'must be a non-empty string');
  if (e.target !== undefined && typeof e.target !== 'string') throw bad('target', 'must be a string');
  if (e.detail !== undefined && (e.detail === null || typeof e.detail !== 'object' || Array.isArray(e.detail))) throw bad('detail', 'must be an object');
}
