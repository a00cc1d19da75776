/**
 * @module @satcast/registry/s3
 * Artifacts in an S3-compatible bucket (AWS S3, MinIO, Cloudflare R2, …). A separate entry point so that
 * importing `@satcast/registry` never loads the AWS SDK. Tested only when `S3_ENDPOINT` is set.
 */
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { ConfigError, NotFoundError, UnavailableError, ValidationError } from '@satcast/core';
import type { ArtifactRef, ArtifactStore } from './artifact-store.js';
import { PLUGIN } from './errors.js';
import { SHA256_HEX, artifactKey, sha256Bytes, verifySha256 } from './hash.js';

export interface S3ArtifactStoreOptions {
  bucket: string;
  /** Key prefix inside the bucket, e.g. `satcast/artifacts/` (default empty). */
  prefix?: string;
  /** A ready client, or the config to build one (`endpoint`, `region`, `forcePathStyle: true` for MinIO). */
  client?: S3Client;
  clientConfig?: S3ClientConfig;
  /**
   * Send `If-None-Match: *` so the store itself refuses to overwrite an existing object (S3 since 2024,
   * MinIO, R2). Turn off for S3-compatibles that reject the header; a HEAD check still runs first.
   */
  conditionalWrites?: boolean;
}

function status(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

/**
 * @example
 * const artifacts = createS3ArtifactStore({ bucket: 'models', clientConfig: { endpoint: 'http://127.0.0.1:9000', region: 'us-east-1', forcePathStyle: true } });
 */
export function createS3ArtifactStore(opts: S3ArtifactStoreOptions): ArtifactStore {
  if (typeof opts?.bucket !== 'string' || opts.bucket === '') throw new ConfigError('option "bucket" must be a non-empty string', { plugin: PLUGIN, field: 'bucket' });
  const client = opts.client ?? new S3Client(opts.clientConfig ?? {});
  const prefix = opts.prefix ?? '';
  const conditional = opts.conditionalWrites ?? true;
  const keyOf = (sha256: string) => {
    if (!SHA256_HEX.test(sha256)) throw new ValidationError(`artifact hash must be 64 hex characters, got ${JSON.stringify(sha256)}`, { plugin: PLUGIN, field: 'sha256' });
    return prefix + artifactKey(sha256);
  };
  const wrap = (what: string, err: unknown) =>
    new UnavailableError(`s3 ${what} failed: ${err instanceof Error ? err.message : String(err)}`, { plugin: PLUGIN, cause: err });

  async function has(sha256: string): Promise<boolean> {
    try {
      await client.send(new HeadObjectCommand({ Bucket: opts.bucket, Key: keyOf(sha256) }));
      return true;
    } catch (err) {
      if (status(err) === 404) return false;
      throw wrap(`HEAD ${keyOf(sha256)}`, err);
    }
  }

  return {
    kind: 's3',
    has,
    async put(bytes) {
      if (!(bytes instanceof Uint8Array)) throw new ValidationError('artifact bytes must be a Uint8Array', { plugin: PLUGIN, field: 'bytes' });
      const sha256 = sha256Bytes(bytes);
      const ref: ArtifactRef = { sha256, key: prefix + artifactKey(sha256), size: bytes.byteLength };
      if (await has(sha256)) return ref;
      try {
        await client.send(
          new PutObjectCommand({
            Bucket: opts.bucket,
            Key: ref.key,
            Body: bytes,
            ContentType: 'application/octet-stream',
            // The server recomputes this and rejects a body that was corrupted in transit.
            ChecksumSHA256: Buffer.from(sha256, 'hex').toString('base64'),
            ...(conditional ? { IfNoneMatch: '*' } : {}),
          }),
        );
      } catch (err) {
        // 412: someone stored the same content first; content addressing makes that a success.
        if (status(err) !== 412) throw wrap(`PUT ${ref.key}`, err);
      }
      return ref;
    },
    async get(sha256) {
      const key = keyOf(sha256);
      let bytes: Uint8Array;
      try {
        const res = await client.send(new GetObjectCommand({ Bucket: opts.bucket, Key: key }));
        if (!res.Body) throw new Error('empty body');
        bytes = await res.Body.transformToByteArray();
      } catch (err) {
        if (status(err) === 404 || (err as { name?: string })?.name === 'NoSuchKey') throw new NotFoundError(`artifact ${sha256} not found in s3://${opts.bucket}/${prefix}`, { plugin: PLUGIN });
        throw wrap(`GET ${key}`, err);
      }
      verifySha256(bytes, sha256, `s3://${opts.bucket}/${key}`);
      return bytes;
    },
  };
}
