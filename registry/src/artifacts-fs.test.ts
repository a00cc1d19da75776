import { chmod, readdir, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { NotFoundError, ValidationError } from '@satcast/core';
import { describe, expect, it } from 'vitest';
import { createFsArtifactStore } from './artifacts-fs.js';
import { IntegrityError } from './errors.js';
import { sha256Bytes } from './hash.js';
import { bytesOf, tempDir } from './test-util.js';

describe('filesystem artifact store', () => {
  it('stores by sha-256, reads back verified, and is idempotent', async () => {
    const store = createFsArtifactStore({ dir: await tempDir() });
    const bytes = bytesOf('hello');
    const ref = await store.put(bytes);
    // sha-256("hello"), as printed by `printf hello | sha256sum`
    expect(ref.sha256).toBe('2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
    expect(ref).toEqual({ sha256: sha256Bytes(bytes), key: `sha256/2c/${ref.sha256}`, size: 5 });
    expect(await store.put(bytes)).toEqual(ref);
    expect(new TextDecoder().decode(await store.get(ref.sha256))).toBe('hello');
    expect(await store.has(ref.sha256)).toBe(true);
    // Read-only on disk: an accidental write fails before the hash check has to catch it.
    expect((await stat(store.path(ref.sha256))).mode & 0o222).toBe(0);
  });

  it('a truncated file fails with IntegrityError naming both hashes', async () => {
    const store = createFsArtifactStore({ dir: await tempDir() });
    const ref = await store.put(bytesOf('some model bytes'));
    await chmod(store.path(ref.sha256), 0o644);
    await truncate(store.path(ref.sha256), 4);
    const err = await store.get(ref.sha256).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as IntegrityError).expected).toBe(ref.sha256);
    expect((err as IntegrityError).actual).toBe(sha256Bytes(bytesOf('some')));
  });

  it('concurrent puts of the same content leave one complete file and no temporaries', async () => {
    const dir = await tempDir();
    const store = createFsArtifactStore({ dir });
    const bytes = new Uint8Array(256 * 1024).map((_, i) => (i * 31) & 0xff);
    const refs = await Promise.all(Array.from({ length: 8 }, () => store.put(bytes)));
    expect(new Set(refs.map((r) => r.sha256)).size).toBe(1);
    expect(await readdir(join(dir, 'sha256', refs[0]!.sha256.slice(0, 2)))).toEqual([refs[0]!.sha256]);
    expect((await store.get(refs[0]!.sha256)).byteLength).toBe(bytes.byteLength);
  });

  it('missing artifacts and bad hashes are named errors', async () => {
    const store = createFsArtifactStore({ dir: await tempDir() });
    await expect(store.get('0'.repeat(64))).rejects.toThrow(NotFoundError);
    await expect(store.get('../../etc/passwd')).rejects.toThrow(ValidationError);
    expect(await store.has('f'.repeat(64))).toBe(false);
    await expect(store.put('text' as never)).rejects.toThrow(/Uint8Array/);
    expect(() => createFsArtifactStore({ dir: '' })).toThrow(/option "dir"/);
  });
});
