/**
 * FRED `series/observations` payloads. One observation per calendar or business day; `value` is a decimal
 * string, or "." when there is no value that day (market holiday); pages via `offset`/`limit` and `count`:
 *
 *   GET /fred/series/observations?series_id=DGS10&api_key=…&file_type=json&observation_start=2024-01-01
 *       &observation_end=2024-01-31&sort_order=asc&limit=100000&offset=0
 *   {"realtime_start":"2024-02-01","realtime_end":"2024-02-01","observation_start":"2024-01-01",…,
 *    "count":23,"offset":0,"limit":100000,
 *    "observations":[{"realtime_start":"2024-02-01","realtime_end":"2024-02-01","date":"2024-01-01","value":"."},
 *                    {"realtime_start":"2024-02-01","realtime_end":"2024-02-01","date":"2024-01-02","value":"3.95"}]}
 *   bad key: HTTP 400 {"error_code":400,"error_message":"Bad Request.  The value for variable api_key is not registered. …"}
 */
import { z } from 'zod';
import { MACRO_LAG_MS, PluginError, type ObservationCandidate } from '@satcast/core';

export const SOURCE = 'fred';

/** Series names the `macro` feature set reads (source `fred`). */
export const SERIES = ['spx', 'dxy', 'us10y', 'vix', 'gold'] as const;
export type MacroSeries = (typeof SERIES)[number];

/**
 * Default FRED ids. `dxy` is a PROXY: FRED has no ICE US Dollar Index; DTWEXBGS (Nominal Broad U.S. Dollar
 * Index, Fed H.10) moves with it but on another scale (~120 vs ~100). Gold has no default: FRED removed
 * the LBMA gold price series in 2022, so `seriesIds.gold` must name one you can use.
 */
export const DEFAULT_IDS: Record<MacroSeries, string | undefined> = { spx: 'SP500', dxy: 'DTWEXBGS', us10y: 'DGS10', vix: 'VIXCLS', gold: undefined };

export const PageSchema = z.object({
  count: z.number().int().nonnegative(),
  offset: z.number().int().nonnegative(),
  observations: z.array(z.unknown()),
});

const RowSchema = z.object({ date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD'), value: z.string() });

/** A trading day's close, public after the US close (`MACRO_LAG_MS` = 22 h after 00:00 UTC of the date). */
export function closeCandidate(series: string, eventTime: number, value: number, payload: unknown, attrs: Record<string, string>): ObservationCandidate {
  if (!(value > 0) && series !== 'us10y') return { reason: `${series}: value ${value} is not a positive price`, payload, eventTime };
  return {
    record: { source: SOURCE, series, eventTime, availableAt: eventTime + MACRO_LAG_MS, value, attrs, schemaVersion: 1 },
    payload,
    eventTime,
  };
}

/** Parse one page; "." (no value that day) yields nothing, anything else non-numeric is rejected. */
export function parsePage(body: unknown, series: MacroSeries, fredId: string): { candidates: ObservationCandidate[]; count: number; rows: number } {
  const page = PageSchema.safeParse(body);
  if (!page.success) {
    const msg = (body as { error_message?: unknown } | null)?.error_message;
    throw new PluginError(`unexpected series/observations payload for ${fredId}: ${typeof msg === 'string' ? msg : (page.error.issues[0]?.message ?? 'invalid')}`, {
      plugin: SOURCE,
      retryable: false,
    });
  }
  const candidates: ObservationCandidate[] = [];
  for (const raw of page.data.observations) {
    const row = RowSchema.safeParse(raw);
    if (!row.success) {
      const issue = row.error.issues[0]!;
      candidates.push({ reason: `${series}: ${issue.path.join('.') || 'row'}: ${issue.message}`, payload: raw });
      continue;
    }
    const t = Date.parse(`${row.data.date}T00:00:00Z`);
    if (!Number.isFinite(t)) {
      candidates.push({ reason: `${series}: date ${row.data.date} is not a date`, payload: raw });
      continue;
    }
    if (row.data.value === '.') continue;
    const v = row.data.value.trim() === '' ? Number.NaN : Number(row.data.value);
    if (!Number.isFinite(v)) {
      candidates.push({ reason: `${series}: value ${JSON.stringify(row.data.value)} is not a number`, payload: raw, eventTime: t });
      continue;
    }
    candidates.push(closeCandidate(series, t, v, raw, { fredId }));
  }
  return { candidates, count: page.data.count, rows: page.data.observations.length };
}
