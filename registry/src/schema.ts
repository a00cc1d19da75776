/**
 * Tables of the registry (prefixed `registry_` so they can live in the main store's database file). A
 * "line" is one (asset, horizon, name): versions, aliases and decisions all belong to a line.
 * Changing this file needs a new migration: `pnpm --filter @satcast/registry generate`.
 */
import { sql } from 'drizzle-orm';
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** One row per line: `rev` is bumped by every alias move (compare-and-swap), `nextSeq` numbers versions. */
export const lines = sqliteTable(
  'registry_lines',
  {
    asset: text('asset').notNull(),
    horizon: text('horizon').notNull(),
    name: text('name').notNull(),
    rev: integer('rev').notNull().default(0),
    nextSeq: integer('next_seq').notNull().default(1),
  },
  (t) => [primaryKey({ columns: [t.asset, t.horizon, t.name] })],
);

/** Immutable once written, except `archivedAt` (a label, never the artifact or card). */
export const versions = sqliteTable(
  'registry_versions',
  {
    version: text('version').primaryKey(),
    asset: text('asset').notNull(),
    horizon: text('horizon').notNull(),
    name: text('name').notNull(),
    seq: integer('seq').notNull(),
    /** Canonical JSON of the model card (sorted keys). */
    card: text('card').notNull(),
    format: text('format').notNull(),
    artifactSha256: text('artifact_sha256').notNull(),
    artifactKey: text('artifact_key').notNull(),
    artifactSize: integer('artifact_size').notNull(),
    parent: text('parent'),
    dataFrom: integer('data_from').notNull(),
    dataTo: integer('data_to').notNull(),
    codeVersion: text('code_version'),
    createdAt: integer('created_at').notNull(),
    archivedAt: integer('archived_at'),
  },
  (t) => [uniqueIndex('registry_versions_line_seq').on(t.asset, t.horizon, t.name, t.seq), index('registry_versions_parent_idx').on(t.parent)],
);

/** Single-valued pointers per line: champion, challenger, shadow. */
export const aliases = sqliteTable(
  'registry_aliases',
  {
    asset: text('asset').notNull(),
    horizon: text('horizon').notNull(),
    name: text('name').notNull(),
    alias: text('alias').notNull(),
    version: text('version').notNull(),
    setAt: integer('set_at').notNull(),
    decisionId: integer('decision_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.asset, t.horizon, t.name, t.alias] })],
);

/** Every promote, rollback, alias move, gate verdict and retrain, with its numbers and reason. Append-only. */
export const decisions = sqliteTable(
  'registry_decisions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: integer('at').notNull(),
    asset: text('asset').notNull(),
    horizon: text('horizon').notNull(),
    name: text('name').notNull(),
    action: text('action').notNull(),
    alias: text('alias'),
    fromVersion: text('from_version'),
    toVersion: text('to_version'),
    actor: text('actor').notNull(),
    reason: text('reason').notNull(),
    /** Canonical JSON object of the numbers behind the decision. */
    numbers: text('numbers').notNull(),
    /** Line revision after this decision (equal to before for decisions that move nothing). */
    rev: integer('rev').notNull(),
  },
  (t) => [index('registry_decisions_line_idx').on(t.asset, t.horizon, t.name, t.id)],
);

/**
 * Always empty. A guarded write inserts `ok = 0` here when the line moved since it was read, which the
 * CHECK rejects and so aborts the whole batch: compare-and-swap without holding a connection.
 */
export const guard = sqliteTable('registry_guard', { ok: integer('ok').notNull() }, (t) => [check('registry_guard_ok', sql`${t.ok} = 1`)]);
