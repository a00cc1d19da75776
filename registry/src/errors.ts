/**
 * Errors raised by the registry, on core's error classes so hosts map them to HTTP and retries once.
 */
import { SatcastError, type SatcastErrorOptions } from '@satcast/core';

/** Name used in errors raised by this package. */
export const PLUGIN = 'registry';

/**
 * The line (asset, horizon, name) moved between our read and our write (another process promoted, say).
 * Retrying re-reads the new state and decides again, so it is retryable.
 */
export class ConflictError extends SatcastError {
  constructor(message: string, opts: Omit<SatcastErrorOptions, 'code' | 'retryable'> = {}) {
    super(message, { plugin: PLUGIN, ...opts, code: 'CONFLICT', retryable: true });
  }
}

/** Stored bytes do not hash to the recorded sha-256: tampered or corrupt. Never retryable. */
export class IntegrityError extends SatcastError {
  readonly expected: string;
  readonly actual: string;
  constructor(message: string, opts: { expected: string; actual: string; plugin?: string }) {
    super(message, { plugin: opts.plugin ?? PLUGIN, code: 'INTERNAL', retryable: false });
    this.expected = opts.expected;
    this.actual = opts.actual;
  }
}
