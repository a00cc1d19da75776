import {
  AlertSchema,
  ModelCardSchema,
  NotFoundError,
  ValidationError,
  type Alert,
  type ModelCard,
  type ModelVersionRow,
  type Store,
  type StoredAuditEntry,
} from '@satcast/core';
import { and, asc, desc, eq, gt } from 'drizzle-orm';
import { alerts, auditLog, modelVersions } from './schema.js';
import type { StoreContext } from './context.js';
import { GENESIS_HASH, auditHash, checkAuditEntry } from './audit.js';
import { planUpsert, runUpsert } from './upsert.js';
import { PLUGIN, canonicalJson, validateRows } from './validate.js';

type RegistryMethods = Pick<
  Store,
  'putModelVersion' | 'getModelVersion' | 'listModelVersions' | 'setModelStage' | 'putAlerts' | 'listAlerts' | 'appendAudit' | 'listAudit'
>;

const STAGES: ReadonlyArray<ModelVersionRow['stage']> = ['none', 'champion', 'challenger', 'shadow', 'archived'];
const modelPlan = planUpsert(modelVersions);
const alertPlan = planUpsert(alerts);
/** Attempts to append when another process extended the chain between our read and our insert. */
const AUDIT_ATTEMPTS = 10;

/** drizzle wraps driver errors ("Failed query: ..."); the constraint name is on a cause. */
function isUniqueViolation(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const x = e as { code?: unknown; extendedCode?: unknown; message?: unknown };
    if (x.extendedCode === 'SQLITE_CONSTRAINT_UNIQUE' || x.code === 'SQLITE_CONSTRAINT_UNIQUE' || /UNIQUE constraint/i.test(String(x.message))) return true;
  }
  return false;
}

function checkStage(stage: unknown): ModelVersionRow['stage'] {
  if (!STAGES.includes(stage as ModelVersionRow['stage'])) {
    throw new ValidationError(`model stage must be one of ${STAGES.join(', ')}, got ${JSON.stringify(stage)}`, { plugin: PLUGIN, field: 'stage' });
  }
  return stage as ModelVersionRow['stage'];
}

const toModelRow = (r: typeof modelVersions.$inferSelect): ModelVersionRow => ({
  card: JSON.parse(r.card) as ModelCard, artifactUri: r.artifactUri, stage: r.stage as ModelVersionRow['stage'],
});

function toAudit(r: typeof auditLog.$inferSelect): StoredAuditEntry {
  const e: StoredAuditEntry = { seq: r.seq, at: r.at, actor: r.actor, action: r.action, prevHash: r.prevHash, hash: r.hash };
  if (r.target !== null) e.target = r.target;
  if (r.detail !== null) e.detail = JSON.parse(r.detail) as Record<string, unknown>;
  return e;
}

/** Model versions, alerts and the hash-chained audit log. */
export function registryMethods({ db, client }: StoreContext): RegistryMethods {
  // Appends from this process run one at a time; the UNIQUE prev_hash covers other processes.
  let auditTail: Promise<unknown> = Promise.resolve();

  async function appendOnce(entry: Parameters<Store['appendAudit']>[0]): Promise<StoredAuditEntry> {
    for (let attempt = 1; ; attempt++) {
      const [last] = await db.select({ hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.seq)).limit(1);
      const prevHash = last?.hash ?? GENESIS_HASH;
      const hash = await auditHash(prevHash, entry);
      try {
        const [row] = await db
          .insert(auditLog)
          .values({
            at: entry.at, actor: entry.actor, action: entry.action, target: entry.target ?? null,
            detail: entry.detail === undefined ? null : canonicalJson(entry.detail), prevHash, hash,
          })
          .returning();
        return toAudit(row!);
      } catch (err) {
        // Another process linked to the same tip first: read the new tip and try again.
        if (attempt >= AUDIT_ATTEMPTS || !isUniqueViolation(err)) throw err;
      }
    }
  }

  return {
    async putModelVersion(row) {
      const [card] = validateRows('putModelVersion', ModelCardSchema, [row?.card]);
      const stage = checkStage(row.stage);
      if (typeof row.artifactUri !== 'string' || row.artifactUri === '') {
        throw new ValidationError('putModelVersion: field "artifactUri" must be a non-empty string', { plugin: PLUGIN, field: 'artifactUri' });
      }
      const { name, version, createdAt } = card!;
      await runUpsert(client, modelPlan, [{ name, version, card: canonicalJson(card), artifactUri: row.artifactUri, stage, createdAt }]);
    },

    async getModelVersion(name, version) {
      const [r] = await db.select().from(modelVersions).where(and(eq(modelVersions.name, name), eq(modelVersions.version, version)));
      return r ? toModelRow(r) : undefined;
    },

    async listModelVersions(q = {}) {
      const rows = await db
        .select()
        .from(modelVersions)
        .where(q.name === undefined ? undefined : eq(modelVersions.name, q.name))
        .orderBy(asc(modelVersions.name), asc(modelVersions.createdAt), asc(modelVersions.version));
      return rows.map(toModelRow);
    },

    async setModelStage(name, version, stage) {
      const res = await db.update(modelVersions).set({ stage: checkStage(stage) }).where(and(eq(modelVersions.name, name), eq(modelVersions.version, version)));
      if (res.rowsAffected === 0) throw new NotFoundError(`model version ${name}@${version} does not exist`, { plugin: PLUGIN });
    },

    async putAlerts(rows) {
      const valid = validateRows('putAlerts', AlertSchema, rows);
      return runUpsert(client, alertPlan, valid.map((a) => ({ ...a, labels: canonicalJson(a.labels) })));
    },

    async listAlerts(q = {}) {
      const rows = await db
        .select()
        .from(alerts)
        .where(q.status === undefined ? undefined : eq(alerts.status, q.status))
        .orderBy(desc(alerts.createdAt), asc(alerts.rule), asc(alerts.dedupKey))
        .limit(q.limit ?? -1);
      return rows.map((r): Alert => ({
        ...r, severity: r.severity as Alert['severity'], status: r.status as Alert['status'], labels: JSON.parse(r.labels) as Alert['labels'],
      }));
    },

    async appendAudit(entry) {
      checkAuditEntry(entry);
      const run = auditTail.then(() => appendOnce(entry));
      auditTail = run.catch(() => undefined);
      return run;
    },

    async listAudit(q = {}) {
      const rows = await db
        .select()
        .from(auditLog)
        .where(q.afterSeq === undefined ? undefined : gt(auditLog.seq, q.afterSeq))
        .orderBy(asc(auditLog.seq))
        .limit(q.limit ?? -1);
      return rows.map(toAudit);
    },
  };
}
