/**
 * The append-only audit log's hash chain, computed one way everywhere (stores, the edge, tests): each
 * entry's hash is hex sha256 of `prevHash + canonicalJson({at, actor, action, target, detail})`, the first
 * entry's prevHash is 64 zeros. WebCrypto only, so it runs in Node and workerd.
 */
import type { AuditEntry, StoredAuditEntry } from './interfaces/store.js';
import { sha256Hex } from './crypto.js';

/** `prevHash` of the first entry. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every level and `undefined` members dropped. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return canonicalJson((v as { toJSON(): unknown }).toJSON());
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : canonicalJson(x))).join(',')}]`;
  const rec = v as Record<string, unknown>;
  const keys = Object.keys(rec).filter((k) => rec[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(rec[k])}`).join(',')}}`;
}

/** Hash of one audit entry given the previous entry's hash. */
export async function auditEntryHash(prevHash: string, e: AuditEntry): Promise<string> {
  const content = canonicalJson({ at: e.at, actor: e.actor, action: e.action, target: e.target, detail: e.detail });
  return sha256Hex(prevHash + content);
}

/** First problem in an audit chain read from its start, or null when every link and hash checks out. */
export async function verifyAuditChain(entries: readonly StoredAuditEntry[]): Promise<string | null> {
  let prev = AUDIT_GENESIS_HASH;
  for (const [i, e] of entries.entries()) {
    if (i > 0 && e.seq <= entries[i - 1]!.seq) return `entry ${i}: seq ${e.seq} does not increase`;
    if (e.prevHash !== prev) return `entry ${i} (seq ${e.seq}): prevHash does not match the previous hash`;
    if ((await auditEntryHash(e.prevHash, e)) !== e.hash) return `entry ${i} (seq ${e.seq}): hash does not match its content`;
    prev = e.hash;
  }
  return null;
}
