/**
 * @module @satcast/plugin-coinmetrics
 * Coin Metrics daily BTC network metrics as observations of source `coinmetrics`, series = the metric id
 * (`AdrActCnt`, `HashRate`, `CapMVRVCur`, ...), exactly the keys the `onchain` feature set reads. A day's
 * row is published the next morning: `availableAt = eventTime + 30 h` (core's `COINMETRICS_LAG_MS`).
 * Live over the community API v4 (paginated), offline from the bundled history (@satcast/data,
 * 2009-01-03 .. 2025-06-30), or hybrid. Coin Metrics Community Data is CC BY-NC 4.0.
 */
import { z } from 'zod';
import { COINMETRICS_LAG_MS, DAY, defineDataSource, PluginError, type FetchRangeRequest, type ObservationCandidate } from '@satcast/core';
import { METRICS, metricCandidate, parsePage, SOURCE } from './api.js';
import { createHttpClient, HttpOptionsSchema, latestFetcher, ModeSchema, rangeFetcher, type Bundled, type HttpStats } from '@satcast/source-kit';

export { METRICS, parsePage } from './api.js';
export { redactUrl, type HttpStats } from '@satcast/source-kit';

export const optionsSchema = z.strictObject({
  /** `live`: HTTP; `offline`: bundled history only, no network; `hybrid`: bundled history, then HTTP. */
  mode: ModeSchema,
  /** API root; the Pro API is `https://api.coinmetrics.io/v4` (with `apiKey`). */
  baseUrl: z.url().default('https://community-api.coinmetrics.io/v4'),
  /** Optional: the community API needs none. Sent as the `api_key` query parameter, never logged. */
  apiKey: z.string().min(1).optional(),
  asset: z.string().regex(/^[a-z0-9]{2,16}$/).default('btc'),
  /** Metric ids to emit (default: the 24 bundled columns). */
  metrics: z.array(z.enum(METRICS)).min(1).default([...METRICS]),
  /** Rows per page (the API's maximum is 10,000). */
  pageSize: z.number().int().min(1).max(10_000).default(10_000),
  /** Days `fetchLatest` asks for (covers missed polls). */
  latestDays: z.number().int().min(1).max(365).default(3),
  http: HttpOptionsSchema,
});
export type CoinMetricsOptions = z.output<typeof optionsSchema>;

/** Bundled history (`btc_onchain_daily.csv.gz`, empty cell = not available that day), loaded lazily (Node only). */
export async function loadBundledMetrics(metrics: readonly string[]): Promise<Bundled> {
  const { readBundledText } = await import('@satcast/data');
  const lines = readBundledText('btc_onchain_daily.csv.gz').split('\n');
  const header = lines[0]!.split(',');
  const cols = metrics.map((m) => [m, header.indexOf(m)] as const);
  const candidates: ObservationCandidate[] = [];
  let last = 0;
  for (let i = 1; i < lines.length; i++) {
    if (!lines[i]) continue;
    const cells = lines[i]!.split(',');
    const t = Number(cells[0]);
    last = t;
    for (const [m, k] of cols) {
      const c = k < 0 ? undefined : metricCandidate(m, t, cells[k], lines[i]);
      if (c) candidates.push(c);
    }
  }
  return { candidates, end: last + DAY };
}

// Guard against a provider that keeps handing out tokens (10,000-row pages: 1,000 pages = 27,000 years of days).
const MAX_PAGES = 1_000;

export default defineDataSource<CoinMetricsOptions>({
  name: SOURCE,
  apiVersion: 1,
  description: 'Coin Metrics daily BTC network metrics (community API v4), live or from the bundled history',
  optionsSchema,
  capabilities: { backfill: true, realtime: 'emulated' },
  // Community API: 10 requests per 6-second sliding window per IP.
  rateLimit: { limit: 10, windowMs: 6_000 },
  series: (o) => o.metrics.map((m) => ({ kind: 'observations' as const, series: m, publicationLag: COINMETRICS_LAG_MS })),
  async create(options, ctx) {
    const http = createHttpClient(SOURCE, ctx, options.http, options.apiKey ? { authField: 'apiKey' } : {});
    const bundled = options.mode === 'live' ? undefined : await loadBundledMetrics(options.metrics);
    const live = async ({ from, to }: FetchRangeRequest) => {
      const url = new URL(`${options.baseUrl.replace(/\/$/, '')}/timeseries/asset-metrics`);
      const q = url.searchParams;
      q.set('assets', options.asset);
      q.set('metrics', options.metrics.join(','));
      q.set('frequency', '1d');
      q.set('start_time', new Date(Math.max(0, from)).toISOString());
      q.set('end_time', new Date(to).toISOString());
      q.set('end_inclusive', 'false');
      q.set('page_size', String(options.pageSize));
      q.set('paging_from', 'start');
      if (options.apiKey) q.set('api_key', options.apiKey);
      const out: ObservationCandidate[] = [];
      const seen = new Set<string>();
      for (let page = 0; ; page++) {
        if (page >= MAX_PAGES) throw new PluginError(`more than ${MAX_PAGES} pages for one range; refusing to continue`, { plugin: SOURCE });
        const { candidates, next } = parsePage(await http.getJson(url), options.metrics);
        out.push(...candidates);
        if (!next) return out;
        if (seen.has(next)) throw new PluginError(`next_page_token repeated (${next.slice(0, 16)}…); pagination loop`, { plugin: SOURCE });
        seen.add(next);
        q.set('next_page_token', next);
      }
    };
    const fetchRange = rangeFetcher({
      source: SOURCE,
      mode: options.mode,
      now: () => ctx.now(),
      bundled,
      live,
      // Counts, flows and prices move multiplicatively; ROI is already a percentage.
      transform: (s) => (s.startsWith('ROI') ? 'diff' : 'logReturn'),
    });
    const source = {
      fetchRange,
      fetchLatest: latestFetcher(fetchRange, () => ctx.now(), options.latestDays),
      /** Request counters and breaker state for the host's per-source health. */
      health: (): HttpStats => http.stats(),
    };
    return source;
  },
});
