/**
 * CryptoQuant API v1 payloads. Every endpoint answers the same envelope, newest row first, `date` as
 * YYYY-MM-DD for `window=day`, metrics nullable (null = not available that day); auth is
 * `Authorization: Bearer <key>`; `from`/`to` are inclusive YYYYMMDD, `limit` caps the rows (newest first):
 *
 *   GET /v1/btc/exchange-flows/inflow?exchange=all_exchange&window=day&from=20191001&to=20191002&limit=1000
 *   {"status":{"code":200,"message":"success"},
 *    "result":{"window":"day","data":[{"date":"2019-10-02","inflow_total":36046.2,"inflow_top10":…},
 *                                     {"date":"2019-10-01","inflow_total":null}]}}
 *   (shape as in data/api_examples/cryptoquant_stablecoin_exchange_flows_transactions_count.json)
 */
import { z } from 'zod';
import { COINMETRICS_LAG_MS, PluginError, type ObservationCandidate } from '@satcast/core';

export const SOURCE = 'cryptoquant';

/**
 * CryptoQuant has no constant in core/publication.ts. Its daily window closes at 00:00 UTC of the next day
 * and is final some hours later, the same shape as Coin Metrics' daily network data, so the same lag
 * (1 day + 6 h) is used: never earlier than the data could be known. (A dedicated
 * `CRYPTOQUANT_LAG_MS` in publication.ts is proposed in the package README.)
 */
export const CRYPTOQUANT_LAG_MS = COINMETRICS_LAG_MS;

/** Series emitted: endpoint path, the field read, and whether the endpoint takes `exchange`. */
export const METRICS = {
  exchange_inflow_total: { path: 'btc/exchange-flows/inflow', field: 'inflow_total', exchange: true },
  exchange_outflow_total: { path: 'btc/exchange-flows/outflow', field: 'outflow_total', exchange: true },
  exchange_netflow_total: { path: 'btc/exchange-flows/netflow', field: 'netflow_total', exchange: true },
  exchange_reserve: { path: 'btc/exchange-flows/reserve', field: 'reserve', exchange: true },
  active_addresses: { path: 'btc/network-data/addresses-count', field: 'addresses_count_active', exchange: false },
} as const;
export type Metric = keyof typeof METRICS;
export const METRIC_NAMES = Object.keys(METRICS) as Metric[];

export const EnvelopeSchema = z.object({
  status: z.object({ code: z.number().int(), message: z.string() }),
  result: z.object({ window: z.string(), data: z.array(z.unknown()) }),
});

const RowSchema = z.looseObject({ date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD') });

/** Parse one response; rows come back oldest first as candidates, plus the oldest date seen (for paging). */
export function parseResponse(body: unknown, metric: Metric): { candidates: ObservationCandidate[]; rows: number; oldest?: number } {
  const env = EnvelopeSchema.safeParse(body);
  if (!env.success) throw new PluginError(`unexpected ${METRICS[metric].path} payload: ${env.error.issues[0]?.message ?? 'invalid'}`, { plugin: SOURCE, retryable: false });
  if (env.data.status.code !== 200) throw new PluginError(`${METRICS[metric].path}: status ${env.data.status.code} ${env.data.status.message}`, { plugin: SOURCE, retryable: false });
  const field = METRICS[metric].field;
  const candidates: ObservationCandidate[] = [];
  let oldest: number | undefined;
  for (const raw of env.data.result.data) {
    const row = RowSchema.safeParse(raw);
    if (!row.success) {
      candidates.push({ reason: `${metric}: ${row.error.issues[0]!.path.join('.') || 'row'}: ${row.error.issues[0]!.message}`, payload: raw });
      continue;
    }
    const t = Date.parse(`${row.data.date}T00:00:00Z`);
    if (!Number.isFinite(t)) {
      candidates.push({ reason: `${metric}: date ${row.data.date} is not a date`, payload: raw });
      continue;
    }
    oldest = oldest === undefined ? t : Math.min(oldest, t);
    const v = row.data[field];
    if (v === null || v === undefined) continue; // not available that day: nothing, never 0
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      candidates.push({ reason: `${metric}: ${field} ${JSON.stringify(v)} is not a finite number`, payload: raw, eventTime: t });
      continue;
    }
    candidates.push({
      record: { source: SOURCE, series: metric, eventTime: t, availableAt: t + CRYPTOQUANT_LAG_MS, value: v, schemaVersion: 1 },
      payload: raw,
      eventTime: t,
    });
  }
  return { candidates: candidates.reverse(), rows: env.data.result.data.length, oldest };
}
