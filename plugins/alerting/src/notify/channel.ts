/**
 * The delivery wrapper every Satcast notifier shares. A plugin writes only `deliver(alert)` (one attempt
 * at its provider); `createChannel` adds, in this order:
 *
 *  1. idempotency — an alert already delivered (same `id`, `dedupKey`, `status`) is not sent again;
 *  2. a per-channel rate limit — over the budget, a retryable `RateLimitedError` with `retryAfterMs`, so the
 *     host's `sendWithRetry` waits rather than the provider refusing us;
 *  3. secret hygiene — messages thrown or logged pass through `redact`;
 *  4. health — counts and the last error, plus an optional remote check (`probe`).
 *
 * Retries stay with the host (`sendWithRetry` and the plugin's declared `retry` policy), so a plugin's
 * `send` is always exactly one attempt — what the core contract suite expects.
 */
import { RateLimitedError, SatcastError, type Alert, type DeliveryResult, type Notifier, type PluginContext } from '@satcast/core';
import { DeliveryLedger } from './ledger.js';
import { TokenBucket, type RateLimitOptions } from './rate.js';
import { redact, redactRecord } from './secrets.js';

export interface ChannelHealth {
  /** False when the remote check failed or the last `unhealthyAfter` deliveries all failed. */
  ok: boolean;
  plugin: string;
  /** What `ok` rests on: a call to the provider (`remote`) or the delivery history only (`local`). */
  checked: 'remote' | 'local';
  detail?: string;
  delivered: number;
  failed: number;
  duplicatesSuppressed: number;
  consecutiveFailures: number;
  lastSuccessAt?: number;
  lastFailureAt?: number;
  lastError?: string;
}

export interface ChannelNotifier extends Notifier {
  send(alert: Alert): Promise<DeliveryResult & { duplicate?: boolean }>;
  health(): Promise<ChannelHealth>;
}

export interface ChannelSpec {
  plugin: string;
  ctx: PluginContext;
  rateLimit: RateLimitOptions;
  /** Every secret the plugin holds; scrubbed from errors and logs. */
  secrets: readonly string[];
  deliver(alert: Alert): Promise<DeliveryResult>;
  /** Idempotency key; by default `<id>:<dedupKey>:<status>` (a resolve is a new delivery). */
  keyOf?(alert: Alert): string;
  /** Remote check of configuration (credentials, reachability); throws when misconfigured. */
  probe?(): Promise<string | void>;
  dedupTtlMs?: number;
  unhealthyAfter?: number;
}

export const defaultDeliveryKey = (a: Alert): string => `${a.id}:${a.dedupKey}:${a.status}`;

/** Wrap a provider's single-attempt `deliver` with dedup, rate limit, redaction and health. */
export function createChannel(spec: ChannelSpec): ChannelNotifier {
  const { ctx, plugin } = spec;
  const ledger = new DeliveryLedger(spec.dedupTtlMs);
  const bucket = new TokenBucket(spec.rateLimit, ctx.now());
  const keyOf = spec.keyOf ?? defaultDeliveryKey;
  const stats = { delivered: 0, failed: 0, duplicatesSuppressed: 0, consecutiveFailures: 0 } as Omit<ChannelHealth, 'ok' | 'plugin' | 'checked'>;
  const log = {
    info: (m: string, d?: Record<string, unknown>) => ctx.log.info(redact(m, spec.secrets), redactRecord(d, spec.secrets)),
    warn: (m: string, d?: Record<string, unknown>) => ctx.log.warn(redact(m, spec.secrets), redactRecord(d, spec.secrets)),
  };
  const scrub = (err: unknown): unknown => {
    if (err instanceof Error) err.message = redact(err.message, spec.secrets);
    return err;
  };

  return {
    async send(alert) {
      const key = keyOf(alert);
      const { result, duplicate } = await ledger.once(key, () => ctx.now(), async () => {
        const wait = bucket.take(ctx.now());
        if (wait > 0) {
          throw new RateLimitedError(`local rate limit of ${spec.rateLimit.perMinute}/min reached; next slot in ${wait} ms`, { plugin, retryAfterMs: wait });
        }
        try {
          const r = await spec.deliver(alert);
          stats.delivered++;
          stats.consecutiveFailures = 0;
          stats.lastSuccessAt = ctx.now();
          log.info('alert delivered', { alertId: alert.id, dedupKey: alert.dedupKey, status: alert.status, receipt: r.id });
          return r;
        } catch (err) {
          scrub(err);
          stats.failed++;
          stats.consecutiveFailures++;
          stats.lastFailureAt = ctx.now();
          stats.lastError = (err as Error)?.message ?? String(err);
          log.warn('alert delivery failed', { alertId: alert.id, dedupKey: alert.dedupKey, retryable: err instanceof SatcastError && err.retryable, error: stats.lastError });
          throw err;
        }
      });
      if (duplicate) {
        stats.duplicatesSuppressed++;
        log.info('duplicate suppressed: already delivered', { alertId: alert.id, dedupKey: alert.dedupKey, status: alert.status });
      }
      return duplicate ? { ...result, duplicate: true } : result;
    },

    async health() {
      const localOk = stats.consecutiveFailures < (spec.unhealthyAfter ?? 3);
      if (!spec.probe) return { ok: localOk, plugin, checked: 'local', ...stats };
      try {
        const detail = (await spec.probe()) ?? undefined;
        return { ok: localOk, plugin, checked: 'remote', ...(detail ? { detail: redact(detail, spec.secrets) } : {}), ...stats };
      } catch (err) {
        return { ok: false, plugin, checked: 'remote', detail: redact((err as Error)?.message ?? String(err), spec.secrets), ...stats };
      }
    },
  };
}
