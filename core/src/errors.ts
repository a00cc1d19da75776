/**
 * Error classes shared by every Satcast package. Each error names who failed (`plugin`) and what,
 * and says whether retrying can help (`retryable`), so hosts can decide without string matching.
 * HTTP mapping happens once, in the backend and edge (`httpStatus`).
 */

export type SatcastErrorCode =
  | 'CONFIG'
  | 'VALIDATION'
  | 'PLUGIN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'UNAVAILABLE'
  | 'TIMEOUT'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'INTERNAL';

const HTTP_STATUS: Record<SatcastErrorCode, number> = {
  CONFIG: 500,
  VALIDATION: 400,
  PLUGIN: 502,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  TIMEOUT: 504,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  INTERNAL: 500,
};

export interface SatcastErrorOptions {
  code?: SatcastErrorCode;
  /** Plugin or component that raised the error, e.g. `binance` or `store`. */
  plugin?: string;
  /** True when the same call may succeed later (network blips, 429, 5xx). */
  retryable?: boolean;
  /** Dotted path of the offending field, for validation and config errors. */
  field?: string;
  /** Milliseconds the caller should wait before retrying, if known. */
  retryAfterMs?: number;
  cause?: unknown;
}

/** Base class: message format is `[satcast] [plugin] message`. */
export class SatcastError extends Error {
  readonly code: SatcastErrorCode;
  readonly plugin?: string;
  readonly retryable: boolean;
  readonly field?: string;
  readonly retryAfterMs?: number;

  constructor(message: string, opts: SatcastErrorOptions = {}) {
    const prefix = `[satcast]${opts.plugin ? ` [${opts.plugin}]` : ''}`;
    super(`${prefix} ${message}`, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = opts.code ?? 'INTERNAL';
    this.plugin = opts.plugin;
    this.retryable = opts.retryable ?? false;
    this.field = opts.field;
    this.retryAfterMs = opts.retryAfterMs;
  }

  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }
}

/** A configuration file or plugin option is wrong; raised at start, never retryable. */
export class ConfigError extends SatcastError {
  constructor(message: string, opts: Omit<SatcastErrorOptions, 'code' | 'retryable'> = {}) {
    super(message, { ...opts, code: 'CONFIG', retryable: false });
  }
}

/** Input data (payload, body, query) failed validation. */
export class ValidationError extends SatcastError {
  readonly issues: ReadonlyArray<{ path: string; message: string }>;
  constructor(
    message: string,
    opts: Omit<SatcastErrorOptions, 'code' | 'retryable'> & {
      issues?: ReadonlyArray<{ path: string; message: string }>;
    } = {},
  ) {
    super(message, { ...opts, code: 'VALIDATION', retryable: false });
    this.issues = opts.issues ?? [];
  }
}

/** A plugin misbehaved (threw, returned bad output). Retryable only if the plugin says so. */
export class PluginError extends SatcastError {
  constructor(message: string, opts: Omit<SatcastErrorOptions, 'code'> = {}) {
    super(message, { ...opts, code: 'PLUGIN' });
  }
}

/** Something the caller asked for does not exist. */
export class NotFoundError extends SatcastError {
  constructor(message: string, opts: Omit<SatcastErrorOptions, 'code' | 'retryable'> = {}) {
    super(message, { ...opts, code: 'NOT_FOUND', retryable: false });
  }
}

/** A remote answered "slow down"; `retryAfterMs` says how long. */
export class RateLimitedError extends SatcastError {
  constructor(message: string, opts: Omit<SatcastErrorOptions, 'code' | 'retryable'> = {}) {
    super(message, { ...opts, code: 'RATE_LIMITED', retryable: true });
  }
}

/** A dependency is down or timing out; retrying later may help. */
export class UnavailableError extends SatcastError {
  constructor(message: string, opts: Omit<SatcastErrorOptions, 'code' | 'retryable'> = {}) {
    super(message, { ...opts, code: 'UNAVAILABLE', retryable: true });
  }
}

/** Whether an arbitrary thrown value is worth retrying. Unknown errors are not. */
export function isRetryable(err: unknown): boolean {
  return err instanceof SatcastError ? err.retryable : false;
}
