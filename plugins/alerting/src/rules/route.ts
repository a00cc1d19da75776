/**
 * Routing: turn engine events into one delivery per (channel, alert), optionally grouping the events of
 * one evaluation that share a rule and a transition into a single message on chatty channels (Slack,
 * e-mail, SMS), so a retrain-worthy drop on 1h, 4h and 24h is one message, not three. Channels that track
 * incidents by key (PagerDuty) or store alerts one by one (dashboard) are never grouped.
 */
import type { Alert, Severity } from '@satcast/core';
import type { AlertEvent } from './engine.js';

export interface Delivery {
  channel: string;
  /** What to send: the event's alert, or a summary of several. */
  alert: Alert;
  /** The alerts this delivery covers (one unless grouped). */
  covers: Alert[];
  /** Channel-specific target (e.g. a user's webhook URL); resolved by the host. */
  target?: unknown;
}

export interface RouteOptions {
  /** Channels whose same-rule, same-transition events are merged per evaluation. */
  groupChannels?: readonly string[];
}

const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

function summarize(alerts: Alert[]): Alert {
  const first = alerts[0]!;
  const ids = alerts.map((a) => a.id).sort();
  const severity = alerts.reduce<Severity>((s, a) => (RANK[a.severity] > RANK[s] ? a.severity : s), 'info');
  return {
    id: `group:${ids.join('+')}`.slice(0, 500),
    rule: first.rule,
    severity,
    status: first.status,
    dedupKey: `${first.rule}:group:${alerts.map((a) => a.dedupKey).sort().join('|')}`.slice(0, 500),
    title: `${alerts.length} × ${first.title}`.slice(0, 200),
    message: alerts.map((a) => `• ${a.message}`).join('\n').slice(0, 4000),
    createdAt: Math.max(...alerts.map((a) => a.createdAt)),
    labels: { ...(first.labels.action ? { action: first.labels.action } : {}), grouped: String(alerts.length) },
  };
}

/**
 * One delivery per channel per alert (or per group on `groupChannels`).
 * @example routeEvents(engine.evaluate(snapshot, now)) // [{ channel: 'slack', alert, covers: [alert] }, ...]
 */
export function routeEvents(events: readonly AlertEvent[], o: RouteOptions = {}): Delivery[] {
  const grouped = new Set(o.groupChannels ?? ['slack', 'email', 'sms']);
  const out: Delivery[] = [];
  const buckets = new Map<string, { channel: string; alerts: Alert[] }>();
  for (const e of events) {
    for (const channel of e.channels) {
      if (!grouped.has(channel)) {
        out.push({ channel, alert: e.alert, covers: [e.alert] });
        continue;
      }
      const key = `${channel}|${e.rule}|${e.type}`;
      const b = buckets.get(key) ?? { channel, alerts: [] };
      b.alerts.push(e.alert);
      buckets.set(key, b);
    }
  }
  for (const b of buckets.values()) {
    out.push({ channel: b.channel, alert: b.alerts.length === 1 ? b.alerts[0]! : summarize(b.alerts), covers: b.alerts });
  }
  return out;
}
