/**
 * @module @satcast/source-kit
 * Shared code for Satcast's HTTP observation sources (fear-greed, coinmetrics, cryptoquant, fred): a
 * resilient JSON GET over `ctx.fetch` (timeout, retries with backoff and `Retry-After`, circuit breaker,
 * redacted URLs) and the `mode` / warm-up / point-in-time logic of `fetchRange` and `fetchLatest`.
 * Runtime-neutral (Node and workerd). The Node-only fake provider for tests is `@satcast/source-kit/testing`.
 * It is a library, not a plugin: it registers nothing and default-exports nothing.
 */
export { createHttpClient, HttpOptionsSchema, redactUrl, type HttpClient, type HttpOptions, type HttpStats } from './http.js';
export { latestFetcher, ModeSchema, rangeFetcher, WARMUP_MS, type Bundled, type KitOptions, type Mode } from './range.js';
