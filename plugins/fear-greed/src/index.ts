/**
 * @module @satcast/plugin-fear-greed
 * Crypto Fear & Greed Index (alternative.me) as observations of source `fear-greed`, series `fng`
 * (0..100, the label in `attrs.classification`), the series the `sentiment` feature set reads. The index
 * for day D is public at 00:00 UTC of D (core's `FNG_LAG_MS`, lag 0). Live over HTTP, offline from the
 * bundled history (@satcast/data, 2018-02-01 .. 2025-06-30), or hybrid (bundled, then live).
 */
import { z } from 'zod';
import { defineDataSource, FNG_LAG_MS, DAY, type FetchRangeRequest, type ObservationCandidate } from '@satcast/core';
import { fngCandidate, parseFng, SERIES, SOURCE } from './api.js';
import { createHttpClient, HttpOptionsSchema, latestFetcher, ModeSchema, rangeFetcher, type Bundled, type HttpStats } from '@satcast/source-kit';

export { parseFng } from './api.js';
export { redactUrl, type HttpStats } from '@satcast/source-kit';

export const optionsSchema = z.strictObject({
  /** `live`: HTTP; `offline`: bundled history only, no network; `hybrid`: bundled history, then HTTP. */
  mode: ModeSchema,
  /** API root (tests point it at a fake server). */
  baseUrl: z.url().default('https://api.alternative.me'),
  /** Days `fetchLatest` asks for (covers missed polls). */
  latestDays: z.number().int().min(1).max(365).default(3),
  http: HttpOptionsSchema,
});
export type FearGreedOptions = z.output<typeof optionsSchema>;

/** The bundled history (`fear_greed_daily.csv.gz`: `ts,value,classification`), loaded lazily (Node only). */
export async function loadBundledFng(): Promise<Bundled> {
  const { readBundledText } = await import('@satcast/data');
  const lines = readBundledText('fear_greed_daily.csv.gz').split('\n');
  const candidates: ObservationCandidate[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (!lines[i]) continue;
    const [ts, value, classification] = lines[i]!.split(',');
    candidates.push(fngCandidate(Number(ts), Number(value), classification ?? '', lines[i]));
  }
  return { candidates, end: (candidates.at(-1)?.eventTime ?? 0) + DAY };
}

export default defineDataSource<FearGreedOptions>({
  name: SOURCE,
  apiVersion: 1,
  description: 'Crypto Fear & Greed Index (alternative.me), daily, live or from the bundled history',
  optionsSchema,
  capabilities: { backfill: true, realtime: 'emulated' },
  // alternative.me: "60 requests per minute over a 10 minute window".
  rateLimit: { limit: 60, windowMs: 60_000 },
  series: () => [{ kind: 'observations', series: SERIES, publicationLag: FNG_LAG_MS }],
  async create(options, ctx) {
    const http = createHttpClient(SOURCE, ctx, options.http);
    const bundled = options.mode === 'live' ? undefined : await loadBundledFng();
    // The API cannot start at a date: ask for the newest N days covering [from, now], 0 = everything.
    const live = async ({ from }: FetchRangeRequest) => {
      const days = Math.ceil((ctx.now() - from) / DAY) + 2;
      const url = new URL('/fng/', options.baseUrl);
      url.searchParams.set('limit', String(days > 4000 ? 0 : Math.max(1, days)));
      url.searchParams.set('format', 'json');
      return parseFng(await http.getJson(url));
    };
    const fetchRange = rangeFetcher({ source: SOURCE, mode: options.mode, now: () => ctx.now(), bundled, live, transform: 'diff' });
    const source = {
      fetchRange,
      fetchLatest: latestFetcher(fetchRange, () => ctx.now(), options.latestDays),
      /** Request counters and breaker state for the host's per-source health. */
      health: (): HttpStats => http.stats(),
    };
    return source;
  },
});
