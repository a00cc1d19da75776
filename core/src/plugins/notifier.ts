import type { Alert } from '../schemas/alert.js';
import { isRetryable } from '../errors.js';
import type { PluginBase } from './common.js';

export interface DeliveryResult {
  /** Receiver-side id (message id, dedup key) when the API returns one. */
  id?: string;
}

export interface Notifier {
  /** Deliver once. Throw a retryable `SatcastError` (e.g. `UnavailableError`) when a retry may help. */
  send(alert: Alert): Promise<DeliveryResult>;
}

export interface RetryPolicy {
  /** Total attempts including the first. */
  attempts: number;
  /** First backoff; doubles each attempt, with full jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface NotifierDefinition<Options> extends PluginBase<'notifier', Options, Notifier> {
  readonly retry: RetryPolicy;
}

/**
 * Define a notifier plugin. Retry semantics are declared as data (`retry`); the host runs them with
 * `sendWithRetry`, retrying only errors marked retryable, so a success is never delivered twice.
 * @example
 * export default defineNotifier({
 *   name: 'log', apiVersion: 1, optionsSchema: z.object({}), retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
 *   create: (_o, ctx) => ({ send: async (a) => { ctx.log.info(a.title); return {}; } }),
 * });
 */
export function defineNotifier<Options>(
  def: Omit<NotifierDefinition<Options>, 'kind'>,
): NotifierDefinition<Options> {
  return Object.freeze({ ...def, kind: 'notifier' as const });
}

export interface SendOutcome extends DeliveryResult {
  attempts: number;
}

export interface RetryRunOptions {
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/**
 * Run `fn` under a retry policy: only errors marked retryable (`SatcastError.retryable`) are retried,
 * with capped exponential backoff and full jitter, or after the error's `retryAfterMs` hint. `sleep` and
 * `random` are injectable so tests need not wait.
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  opts: RetryRunOptions = {},
): Promise<{ value: T; attempts: number }> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = opts.random ?? Math.random;
  let lastErr: unknown;
  for (let attempt = 1; attempt <= Math.max(1, policy.attempts); attempt++) {
    try {
      return { value: await fn(attempt), attempts: attempt };
    } catch (err) {
      lastErr = err;
      if (!isRetryable(err) || attempt >= policy.attempts) break;
      const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const hinted = (err as { retryAfterMs?: number }).retryAfterMs;
      await sleep(hinted !== undefined ? Math.min(hinted, policy.maxDelayMs) : random() * cap);
    }
  }
  throw lastErr;
}

/** Send with the plugin's retry policy; a success is never delivered twice. */
export async function sendWithRetry(
  notifier: Notifier,
  policy: RetryPolicy,
  alert: Alert,
  opts: RetryRunOptions = {},
): Promise<SendOutcome> {
  const { value, attempts } = await withRetry(() => notifier.send(alert), policy, opts);
  return { ...value, attempts };
}
