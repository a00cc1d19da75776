import {
  CandleSchema,
  FeatureVectorSchema,
  ObservationSchema,
  RejectedRecordSchema,
  type Candle,
  type FeatureVector,
  type Interval,
  type Observation,
  type Store,
} from '@satcast/core';
import type { InValue } from '@libsql/client';
import { and, asc, count, getTableColumns, desc, eq, gte, lte, max, sql, type SQL } from 'drizzle-orm';
import { candles, featureVectors, observations, quarantine } from './schema.js';
import type { StoreContext } from './context.js';
import { planUpsert, runUpsert } from './upsert.js';
import { canonicalJson, validateRows } from './validate.js';

type SeriesMethods = Pick<
  Store,
  | 'upsertCandles' | 'getCandles' | 'countCandles' | 'latestCandleTime'
  | 'upsertObservations' | 'getObservations'
  | 'quarantine' | 'listQuarantine' | 'countQuarantine'
  | 'putFeatureVectors' | 'getFeatureVectors'
>;

const candlePlan = planUpsert(candles);
const observationPlan = planUpsert(observations);
const featurePlan = planUpsert(featureVectors);
/** Quarantine rows are small; this keeps each insert far below the variable limit. */
const QUARANTINE_CHUNK = 1000;

/** Positional candle row, in the column order of `schema.candles`. */
type CandleRow = [string, Interval, number, number, number, number, number, number, string | null];

function toObservation(r: typeof observations.$inferSelect): Observation {
  const { attrs, ...rest } = r;
  const o: Observation = rest;
  if (attrs !== null) o.attrs = JSON.parse(attrs) as Observation['attrs'];
  return o;
}

/** Payloads are whatever a source could not parse; keep them even when they are not plain JSON. */
function payloadJson(payload: unknown): string {
  try {
    return JSON.stringify(payload) ?? 'null';
  } catch {
    return JSON.stringify(String(payload));
  }
}

/** Candles, observations, quarantine and feature vectors: the time-series half of the store. */
export function seriesMethods({ db, client }: StoreContext): SeriesMethods {
  const candleKey = (q: { symbol: string; interval: string }) => and(eq(candles.symbol, q.symbol), eq(candles.interval, q.interval));

  return {
    async upsertCandles(rows) {
      const valid = validateRows('upsertCandles', CandleSchema, rows);
      return runUpsert(client, candlePlan, valid);
    },

    async getCandles(q) {
      const conds: (SQL | undefined)[] = [candleKey(q)];
      if (q.from !== undefined) conds.push(gte(candles.openTime, q.from));
      if (q.to !== undefined) conds.push(lte(candles.openTime, q.to));
      const query = db
        .select({ ...getTableColumns(candles) })
        .from(candles)
        .where(and(...conds))
        .orderBy(q.order === 'desc' ? desc(candles.openTime) : asc(candles.openTime))
        .limit(q.limit ?? -1)
        .toSQL();
      // Hot path (training loads the whole history): read positional rows from the client directly, which
      // skips drizzle's per-row mapping and is ~40% faster on 69k bars.
      const res = await client.execute({ sql: query.sql, args: query.params as InValue[] });
      return res.rows.map((r) => {
        // A libSQL Row is array-like (indexed) but not iterable, so no destructuring here.
        const x = r as unknown as CandleRow;
        const c: Candle = { symbol: x[0], interval: x[1], openTime: x[2], open: x[3], high: x[4], low: x[5], close: x[6], volume: x[7] };
        if (x[8] !== null) c.source = x[8];
        return c;
      });
    },

    async countCandles(q) {
      const [row] = await db.select({ n: count() }).from(candles).where(candleKey(q));
      return row?.n ?? 0;
    },

    async latestCandleTime(q) {
      const [row] = await db.select({ t: max(candles.openTime) }).from(candles).where(candleKey(q));
      return row?.t ?? undefined;
    },

    async upsertObservations(rows) {
      const valid = validateRows('upsertObservations', ObservationSchema, rows);
      return runUpsert(client, observationPlan, valid.map((o) => ({ ...o, attrs: o.attrs === undefined ? null : canonicalJson(o.attrs) })));
    },

    async getObservations(q) {
      const asOf = q.asOf ?? Number.MAX_SAFE_INTEGER;
      const conds: (SQL | undefined)[] = [eq(observations.source, q.source), eq(observations.series, q.series), lte(observations.availableAt, asOf)];
      if (q.fromEventTime !== undefined) conds.push(gte(observations.eventTime, q.fromEventTime));
      if (q.toEventTime !== undefined) conds.push(lte(observations.eventTime, q.toEventTime));
      // Point in time: of the revisions public by asOf, keep the newest one of each eventTime.
      conds.push(sql`${observations.availableAt} = (SELECT max(r.available_at) FROM observations r WHERE r.source = ${observations.source}
        AND r.series = ${observations.series} AND r.event_time = ${observations.eventTime} AND r.available_at <= ${asOf})`);
      const rows = await db.select().from(observations).where(and(...conds)).orderBy(asc(observations.eventTime));
      return rows.map(toObservation);
    },

    async quarantine(rows) {
      const valid = validateRows('quarantine', RejectedRecordSchema, rows);
      if (valid.length === 0) return 0;
      const values = valid.map((r) => ({ source: r.source, kind: r.kind, reason: r.reason, payload: payloadJson(r.payload), receivedAt: r.receivedAt }));
      const stmts = [];
      for (let i = 0; i < values.length; i += QUARANTINE_CHUNK) stmts.push(db.insert(quarantine).values(values.slice(i, i + QUARANTINE_CHUNK)));
      const res = await db.batch(stmts as [(typeof stmts)[number], ...typeof stmts]);
      return res.reduce((n, r) => n + r.rowsAffected, 0);
    },

    async listQuarantine(q = {}) {
      const rows = await db
        .select()
        .from(quarantine)
        .where(q.source === undefined ? undefined : eq(quarantine.source, q.source))
        .orderBy(desc(quarantine.id))
        .limit(q.limit ?? -1);
      return rows.map((r) => ({ ...r, payload: JSON.parse(r.payload) as unknown }));
    },

    async countQuarantine(q = {}) {
      const [row] = await db.select({ n: count() }).from(quarantine).where(q.source === undefined ? undefined : eq(quarantine.source, q.source));
      return row?.n ?? 0;
    },

    async putFeatureVectors(rows) {
      const valid = validateRows('putFeatureVectors', FeatureVectorSchema, rows);
      return runUpsert(client, featurePlan, valid.map((f) => ({ asset: f.asset, time: f.time, values: canonicalJson(f.values) })));
    },

    async getFeatureVectors(q) {
      const conds: (SQL | undefined)[] = [eq(featureVectors.asset, q.asset)];
      if (q.from !== undefined) conds.push(gte(featureVectors.time, q.from));
      if (q.to !== undefined) conds.push(lte(featureVectors.time, q.to));
      const rows = await db.select().from(featureVectors).where(and(...conds)).orderBy(asc(featureVectors.time)).limit(q.limit ?? -1);
      return rows.map((r): FeatureVector => ({ asset: r.asset, time: r.time, values: JSON.parse(r.values) as FeatureVector['values'] }));
    },
  };
}
