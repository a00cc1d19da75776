/**
 * @module @satcast/plugin-cryptoquant
 * CryptoQuant BTC exchange flows (inflow, outflow, netflow, reserve over `exchange`, default all
 * exchanges) and active addresses, daily, as observations of source `cryptoquant`. Requires an API key
 * (Bearer). A day is stamped public at eventTime + 30 h (see api.ts). CryptoQuant data may not be
 * redistributed, so nothing is bundled: offline mode replays a file of responses you recorded yourself.
 */
import { z } from 'zod';
import { ConfigError, DAY, defineDataSource, type FetchRangeRequest, type ObservationCandidate } from '@satcast/core';
import { CRYPTOQUANT_LAG_MS, METRIC_NAMES, METRICS, parseResponse, SOURCE, type Metric } from './api.js';
import { createHttpClient, HttpOptionsSchema, latestFetcher, ModeSchema, rangeFetcher, type Bundled, type HttpStats } from '@satcast/source-kit';

export { CRYPTOQUANT_LAG_MS, METRICS, parseResponse } from './api.js';
export { redactUrl, type HttpStats } from '@satcast/source-kit';

export const optionsSchema = z.strictObject({
  /** `live`: HTTP; `offline`: `recordings` only, no network; `hybrid`: recordings, then HTTP. */
  mode: ModeSchema,
  baseUrl: z.url().default('https://api.cryptoquant.com/v1'),
  /** CryptoQuant API key (Bearer), required in live and hybrid mode (SATCAST_CRYPTOQUANT_API_KEY). Never logged. */
  apiKey: z.string().min(8).optional(),
  metrics: z.array(z.enum(METRIC_NAMES as [Metric, ...Metric[]])).min(1).default(METRIC_NAMES),
  /** Exchange for the flow endpoints (`all_exchange`, `binance`, ...). */
  exchange: z.string().regex(/^[a-z0-9_]{2,40}$/).default('all_exchange'),
  /** Rows per request; older rows are fetched by moving `to` back (the API returns newest first). */
  pageSize: z.number().int().min(1).max(100_000).default(1_000),
  /** JSON file `{ "<metric>": <CryptoQuant response>, ... }` of responses you recorded (offline/hybrid). */
  recordings: z.string().min(1).optional(),
  latestDays: z.number().int().min(1).max(365).default(3),
  http: HttpOptionsSchema,
});
export type CryptoQuantOptions = z.output<typeof optionsSchema>;

/** Recorded responses as offline history (Node only: reads a file). */
export async function loadRecordings(path: string, metrics: readonly Metric[]): Promise<Bundled> {
  const { readFile } = await import('node:fs/promises');
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError(`cannot read option "recordings" (${path}): ${(err as Error).message}`, { plugin: SOURCE, field: 'recordings', cause: err });
  }
  const candidates: ObservationCandidate[] = metrics.flatMap((m) => (doc[m] === undefined ? [] : parseResponse(doc[m], m).candidates));
  candidates.sort((a, b) => (a.eventTime ?? 0) - (b.eventTime ?? 0));
  return { candidates, end: (candidates.at(-1)?.eventTime ?? 0) + DAY };
}

const ymd = (t: number) => new Date(t).toISOString().slice(0, 10).replaceAll('-', '');

export default defineDataSource<CryptoQuantOptions>({
  name: SOURCE,
  apiVersion: 1,
  description: 'CryptoQuant BTC exchange flows and active addresses, daily (API key required)',
  optionsSchema,
  capabilities: { backfill: true, realtime: 'emulated' },
  // Conservative default for paid plans (the limit depends on the plan; see the README).
  rateLimit: { limit: 20, windowMs: 60_000 },
  series: (o) => o.metrics.map((m) => ({ kind: 'observations' as const, series: m, publicationLag: CRYPTOQUANT_LAG_MS })),
  async create(options, ctx) {
    if (options.mode !== 'offline' && !options.apiKey) {
      throw new ConfigError('missing option "apiKey" (required in live and hybrid mode; set SATCAST_CRYPTOQUANT_API_KEY)', { plugin: SOURCE, field: 'apiKey' });
    }
    if (options.mode !== 'live' && !options.recordings) {
      throw new ConfigError(`mode "${options.mode}" needs option "recordings": CryptoQuant data is not bundled (its terms forbid redistribution)`, { plugin: SOURCE, field: 'recordings' });
    }
    const http = createHttpClient(SOURCE, ctx, options.http, { authField: 'apiKey' });
    const bundled = options.recordings && options.mode !== 'live' ? await loadRecordings(options.recordings, options.metrics) : undefined;
    const headers = { authorization: `Bearer ${options.apiKey}` };

    const fetchMetric = async (m: Metric, { from, to }: FetchRangeRequest): Promise<ObservationCandidate[]> => {
      const out: ObservationCandidate[] = [];
      const start = Math.max(0, Math.floor(from / DAY) * DAY);
      let end = Math.ceil(to / DAY) * DAY - DAY; // inclusive last day
      while (end >= start) {
        const url = new URL(`${options.baseUrl.replace(/\/$/, '')}/${METRICS[m].path}`);
        const q = url.searchParams;
        if (METRICS[m].exchange) q.set('exchange', options.exchange);
        q.set('window', 'day');
        q.set('from', ymd(start));
        q.set('to', ymd(end));
        q.set('limit', String(options.pageSize));
        const page = parseResponse(await http.getJson(url, headers), m);
        out.unshift(...page.candidates);
        // A full page may have more, older rows: continue before the oldest day seen.
        if (page.rows < options.pageSize || page.oldest === undefined || page.oldest <= start) break;
        end = page.oldest - DAY;
      }
      return out;
    };
    const fetchRange = rangeFetcher({
      source: SOURCE,
      mode: options.mode,
      now: () => ctx.now(),
      bundled,
      live: async (r) => (await Promise.all(options.metrics.map((m) => fetchMetric(m, r)))).flat(),
      // Netflow changes sign: differences; flows, reserve and counts: log returns.
      transform: (s) => (s === 'exchange_netflow_total' ? 'diff' : 'logReturn'),
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
