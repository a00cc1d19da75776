import {
  HORIZONS,
  OutcomeSchema,
  PredictionSchema,
  ValidationError,
  type Horizon,
  type Outcome,
  type Prediction,
  type Store,
} from '@satcast/core';
import { and, asc, desc, eq, gte, isNull, lte, sql, type SQL } from 'drizzle-orm';
import { outcomes, predictions } from './schema.js';
import type { StoreContext } from './context.js';
import { planUpsert, runUpsert } from './upsert.js';
import { PLUGIN, canonicalJson, modelName, validateRows } from './validate.js';

type PredictionMethods = Pick<Store, 'putPredictions' | 'latestPredictions' | 'listPredictions' | 'unscoredPredictions' | 'putOutcomes' | 'listOutcomes'>;

/** Page size of `listPredictions` when the caller gives none; `nextCursor` fetches the rest. */
export const DEFAULT_PAGE_SIZE = 500;

const predictionPlan = planUpsert(predictions);
const outcomePlan = planUpsert(outcomes);
const p = predictions;

function toPrediction(r: typeof predictions.$inferSelect): Prediction {
  return {
    asset: r.asset, horizon: r.horizon as Horizon, issuedAt: r.issuedAt, targetTime: r.targetTime, lastPrice: r.lastPrice, point: r.point,
    quantiles: { p05: r.p05, p25: r.p25, p50: r.p50, p75: r.p75, p95: r.p95 },
    pUp: r.pUp, confidence: r.confidence, conservative: r.conservative, modelVersion: r.modelVersion,
    metadata: JSON.parse(r.metadata) as Prediction['metadata'],
  };
}

function toOutcome(r: typeof outcomes.$inferSelect): Outcome {
  const { model: _model, ...o } = r;
  return { ...o, horizon: r.horizon as Horizon };
}

/** Cursor = the sort key of the last item of a page; opaque to callers. */
type Cursor = [issuedAt: number, horizon: string, modelVersion: string];
const encodeCursor = (x: Prediction) => Buffer.from(JSON.stringify([x.issuedAt, x.horizon, x.modelVersion] satisfies Cursor)).toString('base64url');
function decodeCursor(c: string): Cursor {
  try {
    const v = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 3 && Number.isInteger(v[0]) && typeof v[1] === 'string' && typeof v[2] === 'string') return v as Cursor;
  } catch {
    // fall through to the error below
  }
  throw new ValidationError('listPredictions: "cursor" is not a cursor returned by this store', { plugin: PLUGIN, field: 'cursor' });
}

/** Predictions and their outcomes. Natural key of both: (asset, horizon, issuedAt, modelVersion). */
export function predictionMethods({ db, client }: StoreContext): PredictionMethods {
  return {
    async putPredictions(rows) {
      const valid = validateRows('putPredictions', PredictionSchema, rows);
      return runUpsert(client, predictionPlan, valid.map((x) => ({
        ...x, ...x.quantiles, model: modelName(x.modelVersion), conservative: x.conservative ? 1 : 0, metadata: canonicalJson(x.metadata),
      })));
    },

    async latestPredictions(q) {
      const out: Prediction[] = [];
      // One indexed "newest first, limit 1" per horizon beats a grouped scan over the whole history.
      for (const h of q.horizon ? [q.horizon] : HORIZONS) {
        const [row] = await db
          .select()
          .from(p)
          .where(and(eq(p.asset, q.asset), eq(p.horizon, h), q.model === undefined ? undefined : eq(p.model, q.model)))
          .orderBy(desc(p.issuedAt), desc(p.modelVersion))
          .limit(1);
        if (row) out.push(toPrediction(row));
      }
      return out;
    },

    async listPredictions(q) {
      const limit = q.limit ?? DEFAULT_PAGE_SIZE;
      if (!Number.isInteger(limit) || limit < 1) {
        throw new ValidationError('listPredictions: "limit" must be a positive integer', { plugin: PLUGIN, field: 'limit' });
      }
      const descending = q.order === 'desc';
      const conds: (SQL | undefined)[] = [eq(p.asset, q.asset)];
      if (q.horizon) conds.push(eq(p.horizon, q.horizon));
      if (q.model !== undefined) conds.push(eq(p.model, q.model));
      if (q.from !== undefined) conds.push(gte(p.issuedAt, q.from));
      if (q.to !== undefined) conds.push(lte(p.issuedAt, q.to));
      if (q.cursor) {
        const [t, h, mv] = decodeCursor(q.cursor);
        // Keyset pagination on the full sort key: stable under concurrent inserts, no offsets to skip.
        const key = sql`(${p.issuedAt}, ${p.horizon}, ${p.modelVersion})`;
        conds.push(descending ? sql`${key} < (${t}, ${h}, ${mv})` : sql`${key} > (${t}, ${h}, ${mv})`);
      }
      const dir = descending ? desc : asc;
      const rows = await db.select().from(p).where(and(...conds)).orderBy(dir(p.issuedAt), dir(p.horizon), dir(p.modelVersion)).limit(limit + 1);
      const items = rows.slice(0, limit).map(toPrediction);
      return rows.length > limit ? { items, nextCursor: encodeCursor(items[items.length - 1]!) } : { items };
    },

    async unscoredPredictions(q) {
      const o = outcomes;
      const rows = await db
        .select({ p })
        .from(p)
        .leftJoin(o, and(eq(o.asset, p.asset), eq(o.horizon, p.horizon), eq(o.issuedAt, p.issuedAt), eq(o.modelVersion, p.modelVersion)))
        .where(and(eq(p.asset, q.asset), lte(p.targetTime, q.asOf), isNull(o.asset)))
        .orderBy(asc(p.targetTime), asc(p.issuedAt), asc(p.horizon), asc(p.modelVersion))
        .limit(q.limit ?? -1);
      return rows.map((r) => toPrediction(r.p));
    },

    async putOutcomes(rows) {
      const valid = validateRows('putOutcomes', OutcomeSchema, rows);
      return runUpsert(client, outcomePlan, valid.map((x) => ({
        ...x, model: modelName(x.modelVersion), covered90: x.covered90 ? 1 : 0, upActual: x.upActual ? 1 : 0,
      })));
    },

    async listOutcomes(q) {
      const o = outcomes;
      const conds: (SQL | undefined)[] = [eq(o.asset, q.asset)];
      if (q.horizon) conds.push(eq(o.horizon, q.horizon));
      if (q.model !== undefined) conds.push(eq(o.model, q.model));
      if (q.from !== undefined) conds.push(gte(o.issuedAt, q.from));
      if (q.to !== undefined) conds.push(lte(o.issuedAt, q.to));
      const rows = await db.select().from(o).where(and(...conds)).orderBy(asc(o.issuedAt), asc(o.horizon), asc(o.modelVersion)).limit(q.limit ?? -1);
      return rows.map(toOutcome);
    },
  };
}
