/**
 * Runs only against a real S3-compatible endpoint: set S3_ENDPOINT (e.g. http://127.0.0.1:9000 for MinIO),
 * S3_BUCKET (default satcast-test, must exist), AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, optional S3_REGION.
 */
import { describe, expect, it } from 'vitest';
import { IntegrityError } from './errors.js';

// The AWS SDK is loaded only when it is used, so the offline suite does not pay for it.
const { GetObjectCommand, PutObjectCommand, S3Client } = await import('@aws-sdk/client-s3');
const { createS3ArtifactStore } = await import('./s3.js');

const endpoint = process.env.S3_ENDPOINT;

describe.skipIf(!endpoint)('S3 artifact store (needs S3_ENDPOINT)', () => {
  const bucket = process.env.S3_BUCKET ?? 'satcast-test';
  const client = new S3Client({ endpoint, region: process.env.S3_REGION ?? 'us-east-1', forcePathStyle: true });
  const prefix = `test-${process.pid}-${Date.now()}/`;
  const store = createS3ArtifactStore({ bucket, prefix, client });

  it('put is idempotent, get verifies, tampering is detected', async () => {
    const bytes = new TextEncoder().encode(`model ${prefix}`);
    const ref = await store.put(bytes);
    expect(await store.put(bytes)).toEqual(ref);
    expect(await store.has(ref.sha256)).toBe(true);
    expect(new TextDecoder().decode(await store.get(ref.sha256))).toBe(`model ${prefix}`);
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: ref.key, Body: new TextEncoder().encode('tampered') }));
    await expect(store.get(ref.sha256)).rejects.toThrow(IntegrityError);
    const raw = await client.send(new GetObjectCommand({ Bucket: bucket, Key: ref.key }));
    expect(await raw.Body!.transformToString()).toBe('tampered');
  });
});

describe('S3 artifact store (offline)', () => {
  it('validates options without a network', () => {
    expect(() => createS3ArtifactStore({ bucket: '' })).toThrow(/option "bucket"/);
  });
});
