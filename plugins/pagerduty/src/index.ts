/**
 * @module @satcast/plugin-pagerduty
 * Notifier sending alerts to PagerDuty through the Events API v2 (`POST {baseUrl}/v2/enqueue`): firing
 * alerts trigger, resolved alerts resolve, both on the alert's `dedupKey`; `acknowledge(dedupKey)` acks.
 *
 * The routing key (integration key) comes from options or `SATCAST_PAGERDUTY_ROUTING_KEY` and is never
 * logged or put in errors. 202 is success; 400 is permanent; 429 and 5xx are retried by the host. A
 * per-routing-key rate limit (default 120/min, burst 20 — PagerDuty's documented events limit) and local
 * dedup of already accepted events come from `createChannel`; PagerDuty also deduplicates by dedup_key.
 */
import { z } from 'zod';
import { defineNotifier, PluginError, type Alert, type PluginContext } from '@satcast/core';
import { createChannel, httpOnce, RateLimitOptionsSchema, requireSecret, throwForStatus, type ChannelNotifier } from '@satcast/plugin-alerting';
import { toPagerDutyEvent, type EventAction } from './event.js';

export { toPagerDutyEvent, type EventAction } from './event.js';

export const optionsSchema = z.strictObject({
  /** 32-character integration key; default from `SATCAST_PAGERDUTY_ROUTING_KEY`. */
  routingKey: z.string().min(20).max(64).optional(),
  /** Change only for tests or an EU/proxy endpoint. */
  baseUrl: z.url({ protocol: /^https?$/ }).default('https://events.pagerduty.com'),
  source: z.string().min(1).max(255).default('satcast'),
  component: z.string().max(255).optional(),
  group: z.string().max(255).default('satcast'),
  clientName: z.string().max(100).default('Satcast'),
  clientUrl: z.url().optional(),
  timeoutMs: z.number().int().positive().max(120_000).default(5000),
  rateLimit: RateLimitOptionsSchema.default({ perMinute: 120, burst: 20 }),
});
export type PagerDutyOptions = z.output<typeof optionsSchema>;

export interface PagerDutyNotifier extends ChannelNotifier {
  /** Acknowledge the incident opened for `dedupKey` (stops escalation; resolve still expected). */
  acknowledge(dedupKey: string): Promise<{ id?: string }>;
}

export function createPagerDutyNotifier(o: PagerDutyOptions, ctx: PluginContext): PagerDutyNotifier {
  const routingKey = requireSecret(o.routingKey, { plugin: 'pagerduty', option: 'routingKey', env: 'SATCAST_PAGERDUTY_ROUTING_KEY', minLength: 20 });
  const url = `${o.baseUrl.replace(/\/+$/, '')}/v2/enqueue`;
  const attempt = { plugin: 'pagerduty', target: 'PagerDuty Events API', timeoutMs: o.timeoutMs };
  const eventOpts = { routingKey, source: o.source, component: o.component, group: o.group, clientName: o.clientName, clientUrl: o.clientUrl };

  const post = async (event: Record<string, unknown>) => {
    const ans = await httpOnce(ctx, url, { method: 'POST', body: JSON.stringify(event), headers: { 'content-type': 'application/json' } }, attempt);
    if (ans.status === 202 || ans.status === 200) {
      const body = safeJson(ans.text) as { status?: string; dedup_key?: string } | undefined;
      if (body?.status && body.status !== 'success') throw new PluginError(`PagerDuty answered ${ans.status} with status "${body.status}"`, { plugin: 'pagerduty', retryable: false });
      return { id: body?.dedup_key ?? (event.dedup_key as string) };
    }
    throwForStatus(ans, attempt, ctx.now(), ans.status === 400 ? 'the event was invalid (check routingKey and the alert fields)' : 'check routingKey');
  };

  const channel = createChannel({
    plugin: 'pagerduty',
    ctx,
    rateLimit: o.rateLimit,
    secrets: [routingKey],
    // PagerDuty keys incidents by dedup_key; the action distinguishes trigger from resolve/ack.
    keyOf: (a) => `${a.id}:${a.dedupKey}:${a.labels.pagerdutyAction ?? a.status}`,
    deliver: (alert: Alert) => post(toPagerDutyEvent(alert, eventOpts, (alert.labels.pagerdutyAction as EventAction | undefined) ?? undefined)),
  });

  return {
    ...channel,
    acknowledge: (dedupKey) =>
      channel.send({ id: `ack:${dedupKey}`, rule: 'acknowledge', severity: 'info', status: 'firing', dedupKey, title: 'acknowledge', message: '', createdAt: ctx.now(), labels: { pagerdutyAction: 'acknowledge' } }),
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export default defineNotifier<PagerDutyOptions>({
  name: 'pagerduty',
  apiVersion: 1,
  description: 'PagerDuty Events API v2 (trigger / acknowledge / resolve)',
  optionsSchema,
  retry: { attempts: 5, baseDelayMs: 1000, maxDelayMs: 60_000 },
  create: (o, ctx) => createPagerDutyNotifier(o, ctx),
});
