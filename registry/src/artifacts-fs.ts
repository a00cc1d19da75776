import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ConfigError, NotFoundError, ValidationError } from '@satcast/core';
import type { ArtifactRef, ArtifactStore } from './artifact-store.js';
import { IntegrityError, PLUGIN } from './errors.js';
import { SHA256_HEX, artifactKey, sha256Bytes, verifySha256 } from './hash.js';

export interface FsArtifactStoreOptions {
  /** Root directory, created on first write (e.g. `.satcast/artifacts`). */
  dir: string;
}

/**
 * Artifacts on the local filesystem under `<dir>/sha256/ab/<hash>`. Writes go to a temporary file in the
 * same directory, are fsynced, then renamed over the final name: a crash leaves either no file or the whole
 * file, never a prefix. Files are created read-only (0444) as a guard against accidental edits; the hash
 * check on read is the real guarantee.
 * @example
 * const artifacts = createFsArtifactStore({ dir: '.satcast/artifacts' });
 * const ref = await artifacts.put(bytes); // { sha256, key, size }
 * const same = await artifacts.get(ref.sha256); // verified
 */
export function createFsArtifactStore(opts: FsArtifactStoreOptions): ArtifactStore & { path(sha256: string): string } {
  if (typeof opts?.dir !== 'string' || opts.dir === '') throw new ConfigError('option "dir" must be a non-empty path', { plugin: PLUGIN, field: 'dir' });
  const root = resolve(opts.dir);
  const path = (sha256: string) => join(root, artifactKey(checkHash(sha256)));

  async function readVerified(sha256: string): Promise<Uint8Array> {
    const p = path(sha256);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(p));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`artifact ${sha256} not found in ${root}`, { plugin: PLUGIN });
      throw err;
    }
    verifySha256(bytes, sha256, p);
    return bytes;
  }

  return {
    kind: 'fs',
    path,
    async put(bytes) {
      if (!(bytes instanceof Uint8Array)) throw new ValidationError('artifact bytes must be a Uint8Array', { plugin: PLUGIN, field: 'bytes' });
      const sha256 = sha256Bytes(bytes);
      const ref: ArtifactRef = { sha256, key: artifactKey(sha256), size: bytes.byteLength };
      try {
        await readVerified(sha256);
        return ref; // already stored, intact
      } catch (err) {
        if (!(err instanceof NotFoundError) && !(err instanceof IntegrityError)) throw err;
      }
      const final = path(sha256);
      await mkdir(dirname(final), { recursive: true });
      const tmp = `${final}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
      const fh = await open(tmp, 'wx', 0o444);
      try {
        await fh.writeFile(bytes);
        await fh.sync();
      } catch (err) {
        await fh.close();
        await rm(tmp, { force: true });
        throw err;
      }
      await fh.close();
      // rename is atomic within a directory and replaces a corrupt copy in one step.
      await rename(tmp, final);
      return ref;
    },
    get: readVerified,
    async has(sha256) {
      try {
        return (await stat(path(sha256))).isFile();
      } catch {
        return false;
      }
    },
  };
}

function checkHash(sha256: string): string {
  if (typeof sha256 !== 'string' || !SHA256_HEX.test(sha256)) {
    throw new ValidationError(`artifact hash must be 64 lower-case hex characters, got ${JSON.stringify(sha256)}`, { plugin: PLUGIN, field: 'sha256' });
  }
  return sha256;
}
