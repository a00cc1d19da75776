/**
 * Resilient JSON GET for Satcast's HTTP observation sources, on cockatiel 3: per-attempt timeout, retries
 * with exponential backoff and jitter (honouring `Retry-After` on 429), and a circuit breaker so a dead
 * provider is not hammered every poll. Status mapping: 429 -> RateLimitedError, 5xx / network / timeout
 * -> UnavailableError (both retried), 401/403 -> ConfigError naming the key option, other 4xx ->
 * PluginError (not retried). URLs are redacted before they reach a log line or an error message.
 *
 * Shared by the fear-greed, coinmetrics, cryptoquant and fred plugins (a plugin may not import another
 * plugin, and core stays zod-only, so the code lives in this library rather than in each plugin).
 * Runtime-neutral: the network is `ctx.fetch`, the clock `ctx.now()`, cancellation `ctx.signal`.
 */
import {
  circuitBreaker,
  ConsecutiveBreaker,
  DelegateBackoff,
  handleWhen,
  isBrokenCircuitError,
  retry,
  TaskCancelledError,
  timeout,
  TimeoutStrategy,
  wrap,
  type IRetryBackoffContext,
} from 'cockatiel';
import { z } from 'zod';
import { ConfigError, isRetryable, PluginError, RateLimitedError, UnavailableError, type PluginContext } from '@satcast/core';

export const HttpOptionsSchema = z
  .strictObject({
    /** Per-attempt timeout, ms. */
    timeoutMs: z.number().int().min(10).max(120_000).default(15_000),
    /** Attempts per request including the first. */
    maxAttempts: z.number().int().min(1).max(10).default(4),
    /** First retry delay, doubled per attempt (with jitter), capped by `maxDelayMs`. */
    initialDelayMs: z.number().int().min(0).max(60_000).default(1_000),
    maxDelayMs: z.number().int().min(0).max(600_000).default(30_000),
    /** Consecutive failed requests that open the circuit. */
    breakerThreshold: z.number().int().min(1).max(100).default(5),
    /** How long the circuit stays open before one probe request, ms. */
    breakerHalfOpenMs: z.number().int().min(10).max(3_600_000).default(60_000),
  })
  .prefault({});
export type HttpOptions = z.output<typeof HttpOptionsSchema>;

/** Counters for the host's per-source health (`/api/v1/health`) and metrics. */
export interface HttpStats {
  requests: number;
  retries: number;
  rateLimited: number;
  failures: number;
  lastSuccessAt: number | null;
  lastError: string | null;
  breaker: 'closed' | 'open' | 'half-open' | 'isolated';
}

export interface HttpClient {
  getJson(url: URL, headers?: Record<string, string>): Promise<unknown>;
  stats(): HttpStats;
}

/** Replace secret query parameters (`api_key`, `apikey`, `token`, `key`) with `***`. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:api_key|apikey|api-key|token|key)=)[^&#]*/gi, '$1***');
}

function retryAfterMs(h: string | null, now: number): number | undefined {
  if (!h) return undefined;
  const s = Number(h);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const t = Date.parse(h);
  return Number.isFinite(t) ? Math.max(0, t - now) : undefined;
}

/**
 * @example
 * const http = createHttpClient('fred', ctx, options.http, { authField: 'apiKey' });
 * const body = await http.getJson(new URL(`${base}/series/observations?...`));
 */
export function createHttpClient(plugin: string, ctx: PluginContext, o: HttpOptions, auth: { authField?: string } = {}): HttpClient {
  const stats: HttpStats = { requests: 0, retries: 0, rateLimited: 0, failures: 0, lastSuccessAt: null, lastError: null, breaker: 'closed' };
  const backoff = new DelegateBackoff<IRetryBackoffContext<unknown>>((c) => {
    const err = 'error' in c.result ? c.result.error : undefined;
    const exp = Math.min(o.maxDelayMs, o.initialDelayMs * 2 ** (c.attempt - 1));
    const jittered = exp * (0.5 + Math.random() * 0.5);
    // The provider's own Retry-After wins over our guess (still capped so a bad header cannot stall us).
    const ra = err instanceof RateLimitedError ? err.retryAfterMs : undefined;
    return ra === undefined ? jittered : Math.min(o.maxDelayMs, ra);
  });
  const retryPolicy = retry(handleWhen((e) => isRetryable(e)), { maxAttempts: o.maxAttempts - 1, backoff });
  const breaker = circuitBreaker(handleWhen((e) => isRetryable(e)), { halfOpenAfter: o.breakerHalfOpenMs, breaker: new ConsecutiveBreaker(o.breakerThreshold) });
  const timer = timeout(o.timeoutMs, TimeoutStrategy.Aggressive);
  // Timeout innermost and turned into a retryable error, so a hung attempt is retried and counts toward the breaker.
  const policy = wrap(retryPolicy, breaker);
  retryPolicy.onRetry(({ delay, attempt, ...r }) => {
    stats.retries++;
    ctx.log.warn(`retry ${attempt} in ${Math.round(delay)} ms`, { error: 'error' in r ? (r.error as Error).message : 'result' });
  });
  breaker.onStateChange((s) => {
    stats.breaker = (['closed', 'open', 'half-open', 'isolated'] as const)[s] ?? 'closed';
  });

  async function attempt(url: URL, headers: Record<string, string>, signal: AbortSignal): Promise<unknown> {
    const shown = redactUrl(url.toString());
    stats.requests++;
    let res: Response;
    try {
      res = await ctx.fetch(url, { headers: { accept: 'application/json', ...headers }, signal });
    } catch (err) {
      throw new UnavailableError(`GET ${shown} failed: ${(err as Error).message}`, { plugin, cause: err });
    }
    const text = await res.text();
    if (res.status === 429) {
      stats.rateLimited++;
      throw new RateLimitedError(`GET ${shown}: HTTP 429`, { plugin, retryAfterMs: retryAfterMs(res.headers.get('retry-after'), ctx.now()) });
    }
    const snippet = redactUrl(text.slice(0, 200));
    if (res.status >= 500) throw new UnavailableError(`GET ${shown}: HTTP ${res.status} ${snippet}`, { plugin });
    if ((res.status === 401 || res.status === 403) && auth.authField) {
      throw new ConfigError(`option "${auth.authField}" was refused by the provider (HTTP ${res.status}): ${snippet}`, { plugin, field: auth.authField });
    }
    if (!res.ok) throw new PluginError(`GET ${shown}: HTTP ${res.status} ${snippet}`, { plugin, retryable: false });
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new PluginError(`GET ${shown}: response is not JSON: ${snippet}`, { plugin, retryable: false, cause: err });
    }
  }

  return {
    async getJson(url, headers = {}) {
      try {
        const body = await policy.execute(async ({ signal: outer }) => {
          try {
            return await timer.execute(({ signal }) => attempt(url, headers, signal), outer);
          } catch (err) {
            // instanceof, not cockatiel 3.2.1's isTaskCancelledError(), which tests the wrong marker property.
            if (err instanceof TaskCancelledError && !outer.aborted) {
              throw new UnavailableError(`GET ${redactUrl(url.toString())} timed out after ${o.timeoutMs} ms`, { plugin, cause: err });
            }
            throw err;
          }
        }, ctx.signal);
        stats.lastSuccessAt = ctx.now();
        stats.lastError = null;
        return body;
      } catch (err) {
        stats.failures++;
        const e = isBrokenCircuitError(err)
          ? new UnavailableError(`circuit open after ${o.breakerThreshold} consecutive failures; next probe within ${o.breakerHalfOpenMs} ms`, { plugin, cause: err })
          : err;
        stats.lastError = (e as Error).message;
        throw e;
      }
    },
    stats: () => ({ ...stats }),
  };
}
