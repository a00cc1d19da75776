/**
 * @module @satcast/plugin-fred
 * Daily macro closes from FRED as observations of source `fred`, series `spx` (SP500), `dxy` (DTWEXBGS,
 * a proxy), `us10y` (DGS10), `vix` (VIXCLS) and optionally `gold`: the keys the `macro` feature set reads.
 * A trading day's close is public after the US close: `availableAt = eventTime + 22 h` (core's
 * `MACRO_LAG_MS`). Live needs a FRED API key; offline replays the bundled history (@satcast/data, to
 * 2025-06-30); hybrid splices them.
 */
import { z } from 'zod';
import { ConfigError, DAY, defineDataSource, MACRO_LAG_MS, PluginError, type FetchRangeRequest, type ObservationCandidate } from '@satcast/core';
import { closeCandidate, DEFAULT_IDS, parsePage, SERIES, SOURCE, type MacroSeries } from './api.js';
import { createHttpClient, HttpOptionsSchema, latestFetcher, ModeSchema, rangeFetcher, type Bundled, type HttpStats } from '@satcast/source-kit';

export { DEFAULT_IDS, parsePage, SERIES } from './api.js';
export { redactUrl, type HttpStats } from '@satcast/source-kit';

const fredId = z.string().regex(/^[A-Z0-9_]{1,40}$/, 'a FRED series id such as DGS10');

export const optionsSchema = z.strictObject({
  /** `live`: HTTP; `offline`: bundled history only, no network; `hybrid`: bundled history, then HTTP. */
  mode: ModeSchema,
  baseUrl: z.url().default('https://api.stlouisfed.org/fred'),
  /** FRED API key, required in live and hybrid mode (give it through SATCAST_FRED_API_KEY). Never logged. */
  apiKey: z.string().regex(/^[a-z0-9]{32}$/, 'a FRED API key is 32 lower-case letters and digits').optional(),
  series: z.array(z.enum(SERIES)).min(1).default(['spx', 'dxy', 'us10y', 'vix']),
  /** Override the FRED id per series (e.g. `{ gold: '…' }`). */
  seriesIds: z.strictObject({ spx: fredId, dxy: fredId, us10y: fredId, vix: fredId, gold: fredId }).partial().default({}),
  /** Rows per request (FRED's maximum is 100,000). */
  pageSize: z.number().int().min(1).max(100_000).default(100_000),
  latestDays: z.number().int().min(1).max(365).default(7),
  http: HttpOptionsSchema,
});
export type FredOptions = z.output<typeof optionsSchema>;

/** Bundled file and column per series (gold is not bundled: LBMA licence). */
export const BUNDLED: Partial<Record<MacroSeries, [file: string, column: string]>> = {
  spx: ['macro/spx_daily.csv.gz', 'close'],
  dxy: ['macro/dxy_daily.csv.gz', 'close'],
  us10y: ['macro/us10y_daily.csv.gz', 'yield_pct'],
  vix: ['macro/vix_daily.csv.gz', 'close'],
};

export async function loadBundledMacro(series: readonly MacroSeries[]): Promise<Bundled> {
  const { loadDailyColumn } = await import('@satcast/data');
  const candidates: ObservationCandidate[] = [];
  let end = 0;
  for (const s of series) {
    const [file, column] = BUNDLED[s]!;
    for (const r of loadDailyColumn(file, column)) candidates.push(closeCandidate(s, r.ts, r.value, r, { file }));
    end = Math.max(end, (candidates.at(-1)?.eventTime ?? 0) + DAY);
  }
  candidates.sort((a, b) => a.eventTime! - b.eventTime!);
  return { candidates, end };
}

const ymd = (t: number) => new Date(t).toISOString().slice(0, 10);

export default defineDataSource<FredOptions>({
  name: SOURCE,
  apiVersion: 1,
  description: 'FRED daily macro closes (S&P 500, dollar index proxy, US 10y, VIX, gold), live or from the bundled history',
  optionsSchema,
  capabilities: { backfill: true, realtime: 'emulated' },
  // FRED: 120 requests per minute per key.
  rateLimit: { limit: 120, windowMs: 60_000 },
  series: (o) => o.series.map((s) => ({ kind: 'observations' as const, series: s, publicationLag: MACRO_LAG_MS })),
  async create(options, ctx) {
    const live = options.mode !== 'offline';
    if (live && !options.apiKey) {
      throw new ConfigError('missing option "apiKey" (required in live and hybrid mode; set SATCAST_FRED_API_KEY, or use mode "offline")', { plugin: SOURCE, field: 'apiKey' });
    }
    const ids = Object.fromEntries(options.series.map((s) => [s, options.seriesIds[s] ?? DEFAULT_IDS[s]])) as Record<MacroSeries, string | undefined>;
    if (live && options.series.includes('gold') && !ids.gold) {
      throw new ConfigError('series "gold" needs option "seriesIds.gold": FRED removed the LBMA gold price series in 2022, so there is no default', { plugin: SOURCE, field: 'seriesIds.gold' });
    }
    if (options.mode !== 'live' && options.series.includes('gold')) {
      throw new ConfigError('series "gold" is not in the bundled history (LBMA licence); use mode "live" for it', { plugin: SOURCE, field: 'series' });
    }
    if (options.mode === 'hybrid' && options.series.includes('dxy')) {
      // Bundled dxy is ICE DXY (Yahoo); FRED's default is the broad dollar index: the level jumps at the splice.
      ctx.log.warn(`hybrid dxy splices the bundled ICE DXY with FRED ${ids.dxy} (another index and scale) at 2025-07-01`);
    }
    const http = createHttpClient(SOURCE, ctx, options.http);
    const bundled = options.mode === 'live' ? undefined : await loadBundledMacro(options.series);

    const fetchSeries = async (s: MacroSeries, { from, to }: FetchRangeRequest): Promise<ObservationCandidate[]> => {
      const id = ids[s]!;
      const out: ObservationCandidate[] = [];
      for (let offset = 0; ; ) {
        const url = new URL(`${options.baseUrl.replace(/\/$/, '')}/series/observations`);
        const q = url.searchParams;
        q.set('series_id', id);
        q.set('api_key', options.apiKey!);
        q.set('file_type', 'json');
        q.set('observation_start', ymd(Math.max(0, from)));
        q.set('observation_end', ymd(to - 1));
        q.set('sort_order', 'asc');
        q.set('limit', String(options.pageSize));
        q.set('offset', String(offset));
        let body: unknown;
        try {
          body = await http.getJson(url);
        } catch (err) {
          // FRED answers a bad key with HTTP 400 naming api_key, not 401/403.
          if (err instanceof PluginError && /api_key/i.test(err.message)) {
            throw new ConfigError(`option "apiKey" was refused by FRED: ${err.message.replace(/^\[satcast\] \[fred\] /, '')}`, { plugin: SOURCE, field: 'apiKey', cause: err });
          }
          throw err;
        }
        const page = parsePage(body, s, id);
        out.push(...page.candidates);
        offset += page.rows;
        if (page.rows === 0 || offset >= page.count) return out;
      }
    };
    const fetchRange = rangeFetcher({
      source: SOURCE,
      mode: options.mode,
      now: () => ctx.now(),
      bundled,
      live: async (r) => (await Promise.all(options.series.map((s) => fetchSeries(s, r)))).flat(),
      transform: (s) => (s === 'us10y' ? 'diff' : 'logReturn'),
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
