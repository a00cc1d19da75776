/**
 * @module @satcast/plugin-webhook
 * Notifier that POSTs alerts as JSON to any URL, signed so the receiver can verify them:
 *
 *   POST <url>
 *   x-satcast-timestamp: 1751328000000
 *   x-satcast-signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>
 *   idempotency-key: <alert.id>:<alert.dedupKey>
 *   {"alert": {...}, "sentAt": 1751328000000}
 *
 * Network errors, timeouts, 408, 429 (Retry-After honoured) and 5xx are retryable; other 4xx are not.
 * The secret never appears in errors or logs. WebCrypto only, so it runs in Node and workerd.
 */
import { z } from 'zod';
import { defineNotifier, PluginError, RateLimitedError, signPayload, UnavailableError, type Alert } from '@satcast/core';

export const optionsSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  /** Shared HMAC secret (from `SATCAST_*` env in config); at least 16 characters. */
  secret: z.string().min(16),
  timeoutMs: z.number().int().positive().max(120_000).default(5000),
  headers: z.record(z.string(), z.string()).default({}),
});
export type WebhookOptions = z.output<typeof optionsSchema>;

function retryAfterMs(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  const secs = Number(header);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

export default defineNotifier<WebhookOptions>({
  name: 'webhook',
  apiVersion: 1,
  description: 'HMAC-signed JSON webhook',
  optionsSchema,
  retry: { attempts: 4, baseDelayMs: 500, maxDelayMs: 30_000 },
  create: (o, ctx) => ({
    async send(alert: Alert) {
      const sentAt = ctx.now();
      const body = JSON.stringify({ alert, sentAt });
      const signature = await signPayload(o.secret, sentAt, body);
      const host = new URL(o.url).host;
      let res: Response;
      try {
        res = await ctx.fetch(o.url, {
          method: 'POST',
          body,
          headers: {
            ...o.headers,
            'content-type': 'application/json',
            'x-satcast-timestamp': String(sentAt),
            'x-satcast-signature': signature,
            'idempotency-key': `${alert.id}:${alert.dedupKey}`,
          },
          signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(o.timeoutMs)]),
        });
      } catch (err) {
        const timedOut = (err as Error)?.name === 'TimeoutError';
        throw new UnavailableError(timedOut ? `no answer from ${host} within ${o.timeoutMs} ms` : `cannot reach ${host}: ${(err as Error)?.message}`, {
          plugin: 'webhook',
        });
      }
      await res.body?.cancel().catch(() => {});
      if (res.ok) return { id: res.headers.get('x-request-id') ?? undefined };
      if (res.status === 429) throw new RateLimitedError(`${host} answered 429`, { plugin: 'webhook', retryAfterMs: retryAfterMs(res.headers.get('retry-after'), ctx.now()) });
      if (res.status === 408 || res.status >= 500) throw new UnavailableError(`${host} answered ${res.status}`, { plugin: 'webhook' });
      throw new PluginError(`${host} refused the alert with ${res.status}; check the URL and secret`, { plugin: 'webhook', retryable: false });
    },
  }),
});
