import { createHash } from 'node:crypto';
import { IntegrityError } from './errors.js';

/** Lower-case hex sha-256 of raw bytes (core's `sha256Hex` hashes text, artifacts are binary). */
export function sha256Bytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Throw `IntegrityError` unless `bytes` hash to `expected`; `where` names the file or object. */
export function verifySha256(bytes: Uint8Array, expected: string, where: string, plugin?: string): void {
  const actual = sha256Bytes(bytes);
  if (actual !== expected) {
    throw new IntegrityError(`artifact ${where} is corrupt or was tampered with: sha-256 ${actual}, expected ${expected}`, { expected, actual, plugin });
  }
}

export const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Content address of an artifact: a two-character fan-out keeps directories and listings small. */
export function artifactKey(sha256: string): string {
  return `sha256/${sha256.slice(0, 2)}/${sha256}`;
}
