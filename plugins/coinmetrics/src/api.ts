/**
 * Coin Metrics API v4 `timeseries/asset-metrics` payloads. One row per day (`time` = 00:00 UTC of the day
 * the metrics describe), metric values as decimal strings, a metric absent or null on days it is not
 * available; pages are chained with `next_page_token`:
 *
 *   GET /v4/timeseries/asset-metrics?assets=btc&metrics=AdrActCnt,TxCnt&frequency=1d
 *       &start_time=2024-01-01T00:00:00.000Z&end_time=2024-02-01T00:00:00.000Z&end_inclusive=false&page_size=10000
 *   {"data":[{"asset":"btc","time":"2024-01-01T00:00:00.000000000Z","AdrActCnt":"822031","TxCnt":"657752"}],
 *    "next_page_token":"0.MjAyNC0wMS0xMVQwMDowMDowMFo",
 *    "next_page_url":"https://community-api.coinmetrics.io/v4/timeseries/asset-metrics?...&next_page_token=..."}
 *   errors: {"error":{"type":"forbidden","message":"Requested metric 'X' ... is not available with supplied credentials."}}
 */
import { z } from 'zod';
import { COINMETRICS_LAG_MS, DAY, PluginError, type ObservationCandidate } from '@satcast/core';

export const SOURCE = 'coinmetrics';

/** The 24 metric columns of the bundled `btc_onchain_daily.csv.gz` (Coin Metrics ids), the default set. */
export const METRICS = [
  'AdrActCnt', 'AdrBalCnt', 'BlkCnt', 'TxCnt', 'TxTfrCnt', 'HashRate', 'FeeTotNtv', 'IssTotNtv', 'IssTotUSD', 'SplyCur',
  'SplyExpFut10yr', 'SplyExNtv', 'SplyExUSD', 'FlowInExNtv', 'FlowInExUSD', 'FlowOutExNtv', 'FlowOutExUSD', 'CapMrktCurUSD',
  'CapMrktEstUSD', 'CapMVRVCur', 'PriceUSD', 'ROI30d', 'ROI1yr', 'volume_reported_spot_usd_1d',
] as const;

export const PageSchema = z.object({
  data: z.array(z.unknown()),
  next_page_token: z.string().min(1).optional(),
});

const RowSchema = z.looseObject({ asset: z.string(), time: z.string() });

/** One day's value of one metric, public the next morning (`COINMETRICS_LAG_MS` = 1 day + 6 h). */
export function metricCandidate(metric: string, eventTime: number, raw: unknown, payload: unknown): ObservationCandidate | undefined {
  // Absent / null / empty: the metric does not exist that day (before coverage starts). Not an error, not 0.
  if (raw === undefined || raw === null || raw === '') return undefined;
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
  if (!Number.isFinite(value)) return { reason: `${metric}: not a finite number (${JSON.stringify(raw)})`, payload, eventTime };
  return {
    record: { source: SOURCE, series: metric, eventTime, availableAt: eventTime + COINMETRICS_LAG_MS, value, schemaVersion: 1 },
    payload,
    eventTime,
  };
}

/** Parse one page into candidates (one per metric present in each row) and the next page token. */
export function parsePage(body: unknown, metrics: readonly string[]): { candidates: ObservationCandidate[]; next?: string } {
  const page = PageSchema.safeParse(body);
  if (!page.success) {
    const err = (body as { error?: { message?: unknown } } | null)?.error?.message;
    throw new PluginError(`unexpected asset-metrics payload: ${typeof err === 'string' ? err : (page.error.issues[0]?.message ?? 'invalid')}`, { plugin: SOURCE, retryable: false });
  }
  const candidates: ObservationCandidate[] = [];
  for (const raw of page.data.data) {
    const row = RowSchema.safeParse(raw);
    const t = row.success ? Date.parse(row.data.time) : Number.NaN;
    if (!row.success || !Number.isFinite(t)) {
      candidates.push({ reason: row.success ? `time: not a timestamp ("${row.data.time}")` : `${row.error.issues[0]!.path.join('.') || 'row'}: ${row.error.issues[0]!.message}`, payload: raw });
      continue;
    }
    if (t % DAY !== 0) {
      candidates.push({ reason: `time ${row.data.time} is not 00:00 UTC (off the daily grid)`, payload: raw, eventTime: t });
      continue;
    }
    for (const m of metrics) {
      const c = metricCandidate(m, t, row.data[m], raw);
      if (c) candidates.push(c);
    }
  }
  return { candidates, next: page.data.next_page_token };
}
