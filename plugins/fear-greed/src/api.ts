/**
 * alternative.me Fear & Greed API payloads. `GET /fng/?limit=N&format=json` returns the newest N days,
 * newest first (limit=0: all). Values and timestamps are JSON strings; `timestamp` is 00:00 UTC of the
 * index day in epoch SECONDS; `time_until_update` appears on the newest entry only:
 *
 *   {"name":"Fear and Greed Index",
 *    "data":[{"value":"13","value_classification":"Extreme Fear","timestamp":"1772150400","time_until_update":"60068"},
 *            {"value":"11","value_classification":"Extreme Fear","timestamp":"1772064000"}],
 *    "metadata":{"error":null}}
 */
import { z } from 'zod';
import { DAY, FNG_LAG_MS, PluginError, type ObservationCandidate } from '@satcast/core';

export const SOURCE = 'fear-greed';
export const SERIES = 'fng';

export const EnvelopeSchema = z.object({
  data: z.array(z.unknown()),
  metadata: z.object({ error: z.string().nullable().optional() }).optional(),
});

export const RowSchema = z.object({
  value: z.string().regex(/^\d{1,3}$/, 'expected an integer string'),
  value_classification: z.string().min(1),
  timestamp: z.string().regex(/^\d{1,12}$/, 'expected epoch seconds as a string'),
});

/** One index value as an observation candidate: public at 00:00 UTC of its day (`FNG_LAG_MS`, lag 0). */
export function fngCandidate(eventTime: number, value: number, classification: string, payload: unknown): ObservationCandidate {
  if (eventTime % DAY !== 0) return { reason: `timestamp ${eventTime / 1000} is not 00:00 UTC (off the daily grid)`, payload, eventTime };
  if (!Number.isInteger(value) || value < 0 || value > 100) return { reason: `value ${value} outside 0..100`, payload, eventTime };
  return {
    record: { source: SOURCE, series: SERIES, eventTime, availableAt: eventTime + FNG_LAG_MS, value, attrs: { classification }, schemaVersion: 1 },
    payload,
    eventTime,
  };
}

/** Parse a whole response; a broken envelope is a provider error, a broken row is a rejected candidate. */
export function parseFng(body: unknown): ObservationCandidate[] {
  const env = EnvelopeSchema.safeParse(body);
  if (!env.success) throw new PluginError(`unexpected /fng/ payload: ${env.error.issues[0]?.message ?? 'invalid'}`, { plugin: SOURCE, retryable: false });
  if (env.data.metadata?.error) throw new PluginError(`/fng/ reported an error: ${env.data.metadata.error}`, { plugin: SOURCE, retryable: false });
  return env.data.data.map((raw) => {
    const row = RowSchema.safeParse(raw);
    if (!row.success) {
      const ts = Number((raw as { timestamp?: unknown } | null)?.timestamp);
      const issue = row.error.issues[0]!;
      return { reason: `${issue.path.join('.') || 'row'}: ${issue.message}`, payload: raw, eventTime: Number.isFinite(ts) ? ts * 1000 : undefined };
    }
    return fngCandidate(Number(row.data.timestamp) * 1000, Number(row.data.value), row.data.value_classification, raw);
  });
}
