/**
 * API keys (hashed only) and user alert rules. Both are small, mutable, keyed by id: plain
 * insert-or-replace inside a transaction, validated with the core schemas first.
 */
import { AlertRuleSchema, ApiKeyRowSchema, type AlertRule, type ApiKeyRow, type Store } from '@satcast/core';
import { asc, eq } from 'drizzle-orm';
import type { StoreContext } from './context.js';
import { alertRules, apiKeys } from './schema.js';
import { canonicalJson, validateRows } from './validate.js';

type AccessMethods = Pick<Store, 'putApiKey' | 'findApiKeyByHash' | 'listApiKeys' | 'revokeApiKey' | 'putAlertRule' | 'getAlertRule' | 'listAlertRules' | 'deleteAlertRule'>;

const toKey = (r: typeof apiKeys.$inferSelect): ApiKeyRow => ({
  id: r.id, hash: r.hash, owner: r.owner, role: r.role as ApiKeyRow['role'], createdAt: r.createdAt, ...(r.revokedAt === null ? {} : { revokedAt: r.revokedAt }),
});

function toRule(r: typeof alertRules.$inferSelect): AlertRule {
  const body = JSON.parse(r.body) as Omit<AlertRule, 'id' | 'owner' | 'createdAt' | 'updatedAt'>;
  return { id: r.id, owner: r.owner, ...body, createdAt: r.createdAt, updatedAt: r.updatedAt };
}

export function accessMethods({ db }: StoreContext): AccessMethods {
  return {
    async putApiKey(row) {
      const [k] = validateRows('putApiKey', ApiKeyRowSchema, [row]);
      await db.insert(apiKeys).values({ ...k!, revokedAt: k!.revokedAt ?? null }).onConflictDoUpdate({
        target: apiKeys.id,
        set: { hash: k!.hash, owner: k!.owner, role: k!.role, revokedAt: k!.revokedAt ?? null },
      });
    },
    async findApiKeyByHash(hash) {
      const [r] = await db.select().from(apiKeys).where(eq(apiKeys.hash, hash)).limit(1);
      return r ? toKey(r) : undefined;
    },
    async listApiKeys() {
      return (await db.select().from(apiKeys).orderBy(asc(apiKeys.createdAt), asc(apiKeys.id))).map(toKey);
    },
    async revokeApiKey(id, at) {
      const res = await db.update(apiKeys).set({ revokedAt: at }).where(eq(apiKeys.id, id)).returning({ id: apiKeys.id });
      return res.length > 0;
    },
    async putAlertRule(rule) {
      const [r] = validateRows('putAlertRule', AlertRuleSchema, [rule]);
      const { id, owner, createdAt, updatedAt, ...body } = r!;
      await db.insert(alertRules).values({ id, owner, createdAt, updatedAt, body: canonicalJson(body) }).onConflictDoUpdate({
        target: alertRules.id,
        set: { owner, updatedAt, body: canonicalJson(body) },
      });
    },
    async getAlertRule(id) {
      const [r] = await db.select().from(alertRules).where(eq(alertRules.id, id)).limit(1);
      return r ? toRule(r) : undefined;
    },
    async listAlertRules(q = {}) {
      const rows = await db.select().from(alertRules).where(q.owner === undefined ? undefined : eq(alertRules.owner, q.owner)).orderBy(asc(alertRules.createdAt), asc(alertRules.id));
      return rows.map(toRule);
    },
    async deleteAlertRule(id) {
      const res = await db.delete(alertRules).where(eq(alertRules.id, id)).returning({ id: alertRules.id });
      return res.length > 0;
    },
  };
}
