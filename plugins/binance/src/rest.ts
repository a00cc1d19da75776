/**
 * REST client for `GET /api/v3/klines`: paginated backfill of closed bars, with cockatiel policies
 * around every page request — retry (exponential backoff, decorrelated jitter) for network errors,
 * timeouts, 429 and 5xx; a circuit breaker counting 5xx/network/timeout failures; a per-attempt timeout.
 * The weight limiter runs inside each attempt, so a retry after a 429 first waits out `Retry-After`.
 * A 418 ban is never retried here: it throws `BannedError` and later calls fail fast until it ends.
 */
import {
  BrokenCircuitError,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  decorrelatedJitterGenerator,
  ExponentialBackoff,
  handleWhen,
  retry,
  timeout,
  TimeoutStrategy,
  wrap,
} from 'cockatiel';
import {
  floorToGrid,
  INTERVAL_MS,
  PluginError,
  RateLimitedError,
  UnavailableError,
  type Candle,
  type PluginContext,
  type RejectedRecord,
} from '@satcast/core';
import type { HealthTracker } from './health.js';
import { checkBar, parseRestRow } from './klines.js';
import { BannedError, parseRetryAfter, type WeightLimiter } from './limiter.js';
import type { BinanceOptions } from './options.js';

export const PLUGIN = 'binance';

/** Worth another attempt within the same call: 429 (after its pause), 5xx, network, timeout. */
function transient(err: unknown): boolean {
  return (err instanceof UnavailableError || err instanceof RateLimitedError) && !(err instanceof BannedError);
}

export interface RangeResult {
  candles: Candle[];
  rejected: RejectedRecord[];
  pages: number;
}

export class KlinesClient {
  private readonly policy;
  private readonly breaker;

  constructor(
    private readonly o: BinanceOptions,
    private readonly ctx: PluginContext,
    private readonly limiter: WeightLimiter,
    private readonly health: HealthTracker,
  ) {
    const backoff = new ExponentialBackoff({
      initialDelay: o.rest.backoffInitialMs,
      maxDelay: o.rest.backoffMaxMs,
      generator: decorrelatedJitterGenerator,
    });
    const retryPolicy = retry(handleWhen((e) => transient(e)), { maxAttempts: o.rest.retries, backoff });
    // 429s are the limiter's business, not a sign the service is down: only Unavailable counts.
    this.breaker = circuitBreaker(handleWhen((e) => e instanceof UnavailableError), {
      halfOpenAfter: o.rest.breakerHalfOpenMs,
      breaker: new ConsecutiveBreaker(o.rest.breakerThreshold),
    });
    this.breaker.onStateChange((s) => {
      this.health.circuit = s === CircuitState.Open ? 'open' : s === CircuitState.HalfOpen ? 'half-open' : 'closed';
    });
    this.policy = wrap(retryPolicy, this.breaker, timeout(o.rest.timeoutMs, TimeoutStrategy.Cooperative));
  }

  /** One page of raw klines (parsed JSON), through retry → breaker → timeout → limiter. */
  async page(symbol: string, startTime: number, endTime: number, signal?: AbortSignal): Promise<unknown> {
    const url = new URL('/api/v3/klines', this.o.baseUrl);
    url.search = new URLSearchParams({
      symbol,
      interval: this.o.interval,
      startTime: String(startTime),
      endTime: String(endTime),
      limit: String(this.o.pageLimit),
    }).toString();
    try {
      return await this.policy.execute(({ signal: s }) => this.attempt(url, s), signal ? AbortSignal.any([this.ctx.signal, signal]) : this.ctx.signal);
    } catch (err) {
      if (err instanceof BrokenCircuitError) {
        throw new UnavailableError(
          `circuit open after ${this.o.rest.breakerThreshold} consecutive failures of ${url.host}; next trial in up to ${this.o.rest.breakerHalfOpenMs} ms`,
          { plugin: PLUGIN, cause: err, retryAfterMs: this.o.rest.breakerHalfOpenMs },
        );
      }
      throw err;
    }
  }

  private async attempt(url: URL, signal: AbortSignal): Promise<unknown> {
    await this.limiter.acquire(this.o.rateLimit.requestWeight, signal);
    this.health.requests++;
    const where = `GET ${url.pathname}?symbol=${url.searchParams.get('symbol')}`;
    let res: Response;
    try {
      res = await this.ctx.fetch(url, { signal: AbortSignal.any([signal, this.ctx.signal]) });
    } catch (err) {
      if (this.ctx.signal.aborted) throw err;
      const e = new UnavailableError(
        signal.aborted ? `${where}: no answer within ${this.o.rest.timeoutMs} ms` : `${where}: ${(err as Error)?.message ?? err}`,
        { plugin: PLUGIN, cause: err },
      );
      this.health.failure(e);
      throw e;
    }
    this.limiter.observe(res.headers);
    const text = await res.text().catch(() => '');
    if (res.ok) {
      try {
        const body: unknown = JSON.parse(text);
        this.health.success();
        return body;
      } catch (err) {
        const e = new UnavailableError(`${where}: answered 200 with a body that is not JSON`, { plugin: PLUGIN, cause: err });
        this.health.failure(e);
        throw e;
      }
    }
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), this.ctx.now());
    let e: Error;
    if (res.status === 418) {
      const until = this.limiter.ban(retryAfterMs);
      e = new BannedError(`${where}: IP banned by Binance (HTTP 418) until ${new Date(until).toISOString()}`, {
        until,
        now: this.ctx.now(),
        plugin: PLUGIN,
      });
    } else if (res.status === 429) {
      const until = this.limiter.pause(retryAfterMs);
      e = new RateLimitedError(`${where}: 429 Too Many Requests; pausing until ${new Date(until).toISOString()}`, {
        plugin: PLUGIN,
        retryAfterMs: until - this.ctx.now(),
      });
    } else if (res.status >= 500 || res.status === 408) {
      e = new UnavailableError(`${where}: answered ${res.status}`, { plugin: PLUGIN });
    } else {
      // 4xx: Binance explains itself as {"code": -1121, "msg": "Invalid symbol."}; a retry cannot help.
      e = new PluginError(`${where}: answered ${res.status} ${text.slice(0, 200)}`, { plugin: PLUGIN, retryable: false });
    }
    this.health.failure(e);
    throw e;
  }

  /**
   * Closed bars of one symbol with open time in [from, to), page by page (`limit` bars each, next page
   * starts after the newest open time seen). Bars still open at `ctx.now()` are left out: they are not
   * wrong, just not closed yet, and the next backfill or the stream will deliver them.
   */
  async range(symbol: string, from: number, to: number, signal?: AbortSignal): Promise<RangeResult> {
    const out: RangeResult = { candles: [], rejected: [], pages: 0 };
    if (!(to > from)) return out;
    const { interval } = this.o;
    const step = INTERVAL_MS[interval];
    const end = to - 1;
    let start = from;
    let last = -Infinity;
    while (start <= end) {
      const body = await this.page(symbol, start, end, signal);
      out.pages++;
      const now = this.ctx.now();
      const reject = (payload: unknown, reason: string) =>
        out.rejected.push({ source: PLUGIN, kind: 'candle', reason: `${symbol} ${interval}: ${reason}`, payload, receivedAt: now });
      if (!Array.isArray(body)) {
        out.rejected.push({ source: PLUGIN, kind: 'response', reason: `${symbol} ${interval}: klines response is not an array`, payload: body, receivedAt: now });
        break;
      }
      let newest = -Infinity;
      for (const row of body) {
        const parsed = parseRestRow(row, symbol, interval);
        if (!parsed.ok) {
          reject(row, parsed.reason);
          continue;
        }
        const bar = parsed.bar;
        newest = Math.max(newest, bar.openTime);
        const checked = checkBar(bar, { now, clockSkewMs: this.o.clockSkewMs, source: PLUGIN });
        if (!checked.ok) reject(row, checked.reason);
        else if (bar.openTime < from || bar.openTime >= to) reject(row, `openTime ${bar.openTime} outside the requested [${from}, ${to})`);
        else if (bar.openTime === last) reject(row, `duplicate openTime ${bar.openTime}`);
        else if (bar.openTime < last) reject(row, `openTime ${bar.openTime} is out of order (previous ${last})`);
        else if (bar.closeTime > now) last = bar.openTime; // still open: not a candle yet
        else {
          last = bar.openTime;
          out.candles.push(checked.candle);
          this.health.candle(bar.openTime);
          this.health.event(bar.closeTime);
        }
      }
      // A short page is the last one; no progress means the server is repeating itself.
      if (body.length < this.o.pageLimit || !(newest >= start)) break;
      start = Math.max(floorToGrid(newest, interval) + step, start + step);
    }
    this.health.rejected += out.rejected.length;
    return out;
  }
}
