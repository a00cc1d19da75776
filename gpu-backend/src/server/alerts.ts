/**
 * Per-user alert rules: `GET/POST /api/v1/alerts`, `GET/PUT/DELETE /api/v1/alerts/{id}`. Authentication is
 * required (a JWT or an API key; never anonymous) and callers see and change only their own rules — a
 * rule of someone else answers 404, not 403, so ids do not leak. Every mutation is written to the audit
 * log. The alerting service (src/alerting/) evaluates the rules on every new prediction and stores each
 * alert it raises with its delivery outcome; `GET /api/v1/alerts/{id}/deliveries` lists them.
 */
import { randomUUID } from 'node:crypto';
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { AlertRuleInputSchema, AlertRuleSchema, type AlertRule, type Store } from '@satcast/core';
import type { Principal } from '@satcast/adapter-auth-jose';
import { guard, type GuardOptions } from './guard.js';
import { problem } from './problem.js';

const IdParam = z.object({ id: z.string().min(1).max(64) });
const problemJson = { 'application/problem+json': { schema: z.object({ status: z.number(), detail: z.string() }).passthrough() } };
const ruleJson = { 'application/json': { schema: AlertRuleSchema } };

const list = createRoute({ method: 'get', path: '/api/v1/alerts', summary: 'Your alert rules', responses: { 200: { description: 'Rules', content: { 'application/json': { schema: z.object({ rules: z.array(AlertRuleSchema) }) } } }, 401: { description: 'Unauthenticated', content: problemJson } } });
const create = createRoute({ method: 'post', path: '/api/v1/alerts', summary: 'Create an alert rule', request: { body: { content: { 'application/json': { schema: AlertRuleInputSchema } }, required: true } }, responses: { 201: { description: 'Created', content: ruleJson }, 400: { description: 'Invalid rule', content: problemJson } } });
const getOne = createRoute({ method: 'get', path: '/api/v1/alerts/{id}', summary: 'One of your alert rules', request: { params: IdParam }, responses: { 200: { description: 'Rule', content: ruleJson }, 404: { description: 'No such rule of yours', content: problemJson } } });
const replace = createRoute({ method: 'put', path: '/api/v1/alerts/{id}', summary: 'Replace one of your alert rules', request: { params: IdParam, body: { content: { 'application/json': { schema: AlertRuleInputSchema } }, required: true } }, responses: { 200: { description: 'Replaced', content: ruleJson }, 404: { description: 'No such rule of yours', content: problemJson } } });
const DeliverySchema = z.object({
  alertId: z.string(),
  title: z.string(),
  message: z.string(),
  horizon: z.string().optional(),
  createdAt: z.number().int().describe('When the alert was raised (epoch ms)'),
  channel: z.string().describe('webhook | dashboard'),
  status: z.enum(['pending', 'delivered', 'duplicate', 'failed', 'no-channel']).describe('pending until the channel answered (retries included)'),
  attempts: z.number().int().optional(),
  deliveredAt: z.number().int().optional().describe('When the outcome was recorded (epoch ms)'),
  error: z.string().optional(),
});
const deliveries = createRoute({ method: 'get', path: '/api/v1/alerts/{id}/deliveries', summary: 'Alerts one of your rules raised and their delivery status, newest first', request: { params: IdParam, query: z.object({ limit: z.coerce.number().int().min(1).max(500).optional() }) }, responses: { 200: { description: 'Deliveries', content: { 'application/json': { schema: z.object({ ruleId: z.string(), deliveries: z.array(DeliverySchema) }) } } }, 404: { description: 'No such rule of yours', content: problemJson } } });
const remove = createRoute({ method: 'delete', path: '/api/v1/alerts/{id}', summary: 'Delete one of your alert rules', request: { params: IdParam }, responses: { 204: { description: 'Deleted' }, 404: { description: 'No such rule of yours', content: problemJson } } });

export function mountAlerts(app: OpenAPIHono<any>, store: Store, g: Omit<GuardOptions, 'allowAnonymous' | 'store'>): void {
  const auth = guard({ ...g, allowAnonymous: false, store });
  app.use('/api/v1/alerts', auth);
  app.use('/api/v1/alerts/*', auth);
  const owned = async (id: string, who: Principal): Promise<AlertRule | undefined> => {
    const r = await store.getAlertRule(id);
    return r && r.owner === who.id ? r : undefined;
  };
  const audit = (who: Principal, action: string, target: string, detail?: Record<string, unknown>) =>
    store.appendAudit({ at: Date.now(), actor: who.id, action, target, detail });

  app.openapi(list, async (c) => c.json({ rules: await store.listAlertRules({ owner: (c.get('principal') as Principal).id }) }, 200));

  app.openapi(create, async (c) => {
    const who = c.get('principal') as Principal;
    const now = Date.now();
    const rule = { ...c.req.valid('json'), id: `rule_${randomUUID()}`, owner: who.id, createdAt: now, updatedAt: now } as AlertRule;
    await store.putAlertRule(rule);
    await audit(who, 'alert_rule.create', rule.id, { kind: rule.kind, horizon: rule.horizon });
    return c.json(rule, 201);
  });

  app.openapi(getOne, async (c) => {
    const r = await owned(c.req.valid('param').id, c.get('principal') as Principal);
    return r ? c.json(r, 200) : (problem(c, 404, 'no alert rule with that id among yours') as never);
  });

  app.openapi(replace, async (c) => {
    const who = c.get('principal') as Principal;
    const prev = await owned(c.req.valid('param').id, who);
    if (!prev) return problem(c, 404, 'no alert rule with that id among yours') as never;
    const rule = { ...c.req.valid('json'), id: prev.id, owner: prev.owner, createdAt: prev.createdAt, updatedAt: Date.now() } as AlertRule;
    await store.putAlertRule(rule);
    await audit(who, 'alert_rule.update', rule.id);
    return c.json(rule, 200);
  });

  app.openapi(deliveries, async (c) => {
    const r = await owned(c.req.valid('param').id, c.get('principal') as Principal);
    if (!r) return problem(c, 404, 'no alert rule with that id among yours') as never;
    const limit = c.req.valid('query').limit ?? 100;
    // User alerts are stored with rule "user:<id>" beside operator alerts; the newest few thousand are scanned.
    const mine = (await store.listAlerts({ limit: 5000 })).filter((a) => a.rule === `user:${r.id}`).slice(0, limit);
    const num = (v?: string) => (v === undefined ? undefined : Number(v));
    return c.json({
      ruleId: r.id,
      deliveries: mine.map((a) => ({
        alertId: a.id,
        title: a.title,
        message: a.message,
        horizon: a.labels.horizon,
        createdAt: a.createdAt,
        channel: a.labels.channel ?? String(r.channel.type),
        status: (a.labels.delivery ?? 'pending') as 'pending',
        attempts: num(a.labels.deliveryAttempts),
        deliveredAt: num(a.labels.deliveryAt),
        error: a.labels.deliveryError,
      })),
    }, 200);
  });

  app.openapi(remove, async (c) => {
    const who = c.get('principal') as Principal;
    const prev = await owned(c.req.valid('param').id, who);
    if (!prev) return problem(c, 404, 'no alert rule with that id among yours') as never;
    await store.deleteAlertRule(prev.id);
    await audit(who, 'alert_rule.delete', prev.id);
    return c.body(null, 204) as never;
  });
}
