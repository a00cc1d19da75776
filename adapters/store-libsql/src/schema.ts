/**
 * Tables of the libSQL store. Natural keys are primary keys so every write is an idempotent upsert; JSON
 * columns hold canonical JSON text (sorted keys) so "unchanged" can be decided by plain text equality.
 * Changing this file needs a new migration: `pnpm --filter @satcast/adapter-store-libsql generate`.
 */
import { index, integer, primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const candles = sqliteTable(
  'candles',
  {
    symbol: text('symbol').notNull(),
    interval: text('interval').notNull(),
    openTime: integer('open_time').notNull(),
    open: real('open').notNull(),
    high: real('high').notNull(),
    low: real('low').notNull(),
    close: real('close').notNull(),
    volume: real('volume').notNull(),
    source: text('source'),
  },
  (t) => [primaryKey({ columns: [t.symbol, t.interval, t.openTime] })],
);

export const observations = sqliteTable(
  'observations',
  {
    source: text('source').notNull(),
    series: text('series').notNull(),
    eventTime: integer('event_time').notNull(),
    availableAt: integer('available_at').notNull(),
    value: real('value').notNull(),
    attrs: text('attrs'),
    schemaVersion: integer('schema_version').notNull().default(1),
  },
  // Key order serves point-in-time reads: seek (source, series, event_time), then max(available_at) <= asOf.
  (t) => [primaryKey({ columns: [t.source, t.series, t.eventTime, t.availableAt] })],
);

export const quarantine = sqliteTable(
  'quarantine',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    source: text('source').notNull(),
    kind: text('kind').notNull(),
    reason: text('reason').notNull(),
    payload: text('payload').notNull(),
    receivedAt: integer('received_at').notNull(),
  },
  (t) => [index('quarantine_source_idx').on(t.source, t.id)],
);

export const featureVectors = sqliteTable(
  'feature_vectors',
  {
    asset: text('asset').notNull(),
    time: integer('time').notNull(),
    values: text('values').notNull(),
  },
  (t) => [primaryKey({ columns: [t.asset, t.time] })],
);

export const predictions = sqliteTable(
  'predictions',
  {
    asset: text('asset').notNull(),
    horizon: text('horizon').notNull(),
    issuedAt: integer('issued_at').notNull(),
    modelVersion: text('model_version').notNull(),
    /** `modelVersion` before `@`, stored so filtering by model uses an index. */
    model: text('model').notNull(),
    targetTime: integer('target_time').notNull(),
    lastPrice: real('last_price').notNull(),
    point: real('point').notNull(),
    p05: real('p05').notNull(),
    p25: real('p25').notNull(),
    p50: real('p50').notNull(),
    p75: real('p75').notNull(),
    p95: real('p95').notNull(),
    pUp: real('p_up').notNull(),
    confidence: real('confidence').notNull(),
    conservative: integer('conservative', { mode: 'boolean' }).notNull(),
    metadata: text('metadata').notNull(),
  },
  (t) => [
    // PK order (asset, horizon, issued_at) serves "latest per horizon".
    primaryKey({ columns: [t.asset, t.horizon, t.issuedAt, t.modelVersion] }),
    index('predictions_issued_idx').on(t.asset, t.issuedAt),
    index('predictions_model_idx').on(t.asset, t.model, t.horizon, t.issuedAt),
    index('predictions_target_idx').on(t.asset, t.targetTime),
  ],
);

export const outcomes = sqliteTable(
  'outcomes',
  {
    asset: text('asset').notNull(),
    horizon: text('horizon').notNull(),
    issuedAt: integer('issued_at').notNull(),
    modelVersion: text('model_version').notNull(),
    model: text('model').notNull(),
    targetTime: integer('target_time').notNull(),
    realized: real('realized').notNull(),
    absError: real('abs_error').notNull(),
    persistenceAbsError: real('persistence_abs_error').notNull(),
    covered90: integer('covered90', { mode: 'boolean' }).notNull(),
    upActual: integer('up_actual', { mode: 'boolean' }).notNull(),
    pinball: real('pinball').notNull(),
    scoredAt: integer('scored_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.asset, t.horizon, t.issuedAt, t.modelVersion] }),
    index('outcomes_issued_idx').on(t.asset, t.issuedAt),
  ],
);

export const modelVersions = sqliteTable(
  'model_versions',
  {
    name: text('name').notNull(),
    version: text('version').notNull(),
    card: text('card').notNull(),
    artifactUri: text('artifact_uri').notNull(),
    stage: text('stage').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.name, t.version] })],
);

export const alerts = sqliteTable(
  'alerts',
  {
    rule: text('rule').notNull(),
    dedupKey: text('dedup_key').notNull(),
    createdAt: integer('created_at').notNull(),
    id: text('id').notNull(),
    severity: text('severity').notNull(),
    status: text('status').notNull(),
    title: text('title').notNull(),
    message: text('message').notNull(),
    labels: text('labels').notNull(),
  },
  (t) => [primaryKey({ columns: [t.rule, t.dedupKey, t.createdAt] }), index('alerts_created_idx').on(t.createdAt)],
);

export const auditLog = sqliteTable('audit_log', {
  seq: integer('seq').primaryKey({ autoIncrement: true }),
  at: integer('at').notNull(),
  actor: text('actor').notNull(),
  action: text('action').notNull(),
  target: text('target'),
  detail: text('detail'),
  // Unique: two writers that read the same tip cannot both link to it, so the chain never forks.
  prevHash: text('prev_hash').notNull().unique(),
  hash: text('hash').notNull().unique(),
});

export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    /** SHA-256 (hex) of the secret; the secret itself is never stored. */
    hash: text('hash').notNull().unique(),
    owner: text('owner').notNull(),
    role: text('role').notNull(),
    createdAt: integer('created_at').notNull(),
    revokedAt: integer('revoked_at'),
  },
);

export const alertRules = sqliteTable(
  'alert_rules',
  {
    id: text('id').primaryKey(),
    owner: text('owner').notNull(),
    /** The rest of the rule as canonical JSON (name, kind, horizon, threshold, channel, enabled). */
    body: text('body').notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('alert_rules_owner_idx').on(t.owner)],
);
