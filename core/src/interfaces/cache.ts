/**
 * A key-value cache with TTLs, holding JSON-serialisable values (latest predictions, feature vectors).
 * Semantics follow unstorage's small driver surface: get/set/delete, with `keys(prefix)` for listing.
 */
export interface Cache {
  get<T = unknown>(key: string): Promise<T | undefined>;
  /** `ttlMs` omitted or 0: no expiry. */
  set<T = unknown>(key: string, value: T, opts?: { ttlMs?: number }): Promise<void>;
  delete(key: string): Promise<void>;
  keys(prefix?: string): Promise<string[]>;
  close?(): Promise<void>;
}
