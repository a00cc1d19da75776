/**
 * Where artifact bytes live. Content-addressed by sha-256, so a write is idempotent and a stored artifact
 * can never change under its name; every read verifies the hash (a tampered or truncated file fails loudly
 * rather than serving a different model).
 */

export interface ArtifactRef {
  sha256: string;
  /** Store-relative key (`sha256/ab/ab…`), recorded beside the version. */
  key: string;
  size: number;
}

export interface ArtifactStore {
  /** `fs`, `s3`, … (shown by `satcast models show`). */
  readonly kind: string;
  /** Store bytes under their hash. Idempotent; repairs a corrupt copy of the same content. */
  put(bytes: Uint8Array): Promise<ArtifactRef>;
  /** Read and verify; throws `IntegrityError` on a hash mismatch and `NotFoundError` when absent. */
  get(sha256: string): Promise<Uint8Array>;
  has(sha256: string): Promise<boolean>;
}
