/**
 * Alert → PagerDuty Events API v2 event (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/).
 * `POST /v2/enqueue`, no Authorization header: the integration's `routing_key` in the body is the
 * credential. Trimmed example of a trigger we send:
 *
 *   { "routing_key": "R0…32 chars", "event_action": "trigger", "dedup_key": "system-failure:component=store",
 *     "payload": { "summary": "System failure: component unavailable — store is unavailable",
 *                  "severity": "critical", "source": "satcast", "timestamp": "2025-06-24T10:00:00.000Z",
 *                  "component": "store", "group": "satcast", "class": "system-failure",
 *                  "custom_details": { "message": "...", "labels": {...}, "alertId": "..." } },
 *     "client": "Satcast", "client_url": "https://..." }
 *
 * `acknowledge` and `resolve` need only routing_key, event_action and dedup_key. Answer: `202
 * {"status":"success","message":"Event processed","dedup_key":"…"}`; 400 is an invalid event; 429 means
 * throttled (retry later). The same `dedup_key` for trigger and resolve closes the same incident, which
 * is why our alerts keep their `dedupKey` from fire to resolve.
 */
import type { Alert } from '@satcast/core';

export type EventAction = 'trigger' | 'acknowledge' | 'resolve';

export interface EventOptions {
  routingKey: string;
  source: string;
  component?: string;
  group?: string;
  clientName?: string;
  clientUrl?: string;
}

const cut = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);

export function toPagerDutyEvent(alert: Alert, o: EventOptions, action: EventAction = alert.status === 'resolved' ? 'resolve' : 'trigger'): Record<string, unknown> {
  const base = { routing_key: o.routingKey, event_action: action, dedup_key: cut(alert.dedupKey, 255) };
  if (action !== 'trigger') return base;
  return {
    ...base,
    payload: {
      // PagerDuty caps the summary at 1024 characters.
      summary: cut(`${alert.title} — ${alert.message}`, 1024),
      severity: alert.severity, // our info | warning | critical are all PagerDuty severities
      source: o.source,
      timestamp: new Date(alert.createdAt).toISOString(),
      component: alert.labels.component ?? o.component,
      group: o.group,
      class: alert.rule,
      custom_details: { message: alert.message, labels: alert.labels, alertId: alert.id, rule: alert.rule },
    },
    ...(o.clientName ? { client: o.clientName } : {}),
    ...(o.clientUrl ? { client_url: o.clientUrl } : {}),
  };
}
