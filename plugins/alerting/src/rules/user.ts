/**
 * Users' alert rules (`/api/v1/alerts`, core `AlertRule`) evaluated when a prediction is issued:
 *
 * - `confidence_above` — fires when the new prediction for the rule's horizon has confidence >=
 *   `threshold` and the previous one for that rule did not (edge-triggered: one message per crossing,
 *   not one per bar while it stays high);
 * - `price_outside_band` — fires for each matured prediction of the rule's horizon whose realised price
 *   fell outside its [p05, p95] band (each miss is its own event).
 *
 * Disabled rules and other horizons are skipped. The evaluator holds only the last condition per rule
 * (for the edge trigger); `stateOf`/constructor argument persist it across restarts.
 */
import type { Alert, AlertRule, Prediction } from '@satcast/core';
import type { Delivery } from './route.js';

export interface UserRuleInput {
  /** The prediction just issued (served model). */
  prediction?: Prediction;
  /** Predictions whose target time has passed, with the realised price. */
  matured?: readonly { prediction: Prediction; realized: number }[];
}

export interface UserAlertEvent {
  rule: AlertRule;
  alert: Alert;
}

const fmt = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 2 });

export class UserRuleEvaluator {
  private readonly above: Map<string, boolean>;

  constructor(state: Record<string, boolean> = {}) {
    this.above = new Map(Object.entries(state));
  }

  evaluate(rules: readonly AlertRule[], input: UserRuleInput, now: number): UserAlertEvent[] {
    const out: UserAlertEvent[] = [];
    for (const rule of rules) {
      if (!rule.enabled) continue;
      const mk = (p: Prediction, message: string, extra: Record<string, string>): UserAlertEvent => ({
        rule,
        alert: {
          id: `user:${rule.id}:${p.horizon}:${p.issuedAt}`,
          rule: `user:${rule.id}`,
          severity: 'info',
          status: 'firing',
          dedupKey: `user:${rule.id}:${p.horizon}:${p.issuedAt}`,
          title: rule.name.slice(0, 200),
          message,
          createdAt: now,
          labels: { owner: rule.owner, ruleId: rule.id, kind: rule.kind, horizon: p.horizon, asset: p.asset, channel: String(rule.channel.type ?? ''), ...extra },
        },
      });
      if (rule.kind === 'confidence_above') {
        const p = input.prediction;
        if (!p || p.horizon !== rule.horizon || rule.threshold === undefined) continue;
        const now_ = p.confidence >= rule.threshold;
        const was = this.above.get(rule.id) ?? false;
        this.above.set(rule.id, now_);
        if (now_ && !was) {
          out.push(mk(p, `${p.asset} ${p.horizon} confidence ${p.confidence.toFixed(3)} >= ${rule.threshold} (P(up) ${p.pUp.toFixed(3)}, point ${fmt(p.point)}, 90% band ${fmt(p.quantiles.p05)}–${fmt(p.quantiles.p95)})`, { confidence: String(p.confidence) }));
        }
      } else if (rule.kind === 'price_outside_band') {
        for (const m of input.matured ?? []) {
          const p = m.prediction;
          if (p.horizon !== rule.horizon) continue;
          const { p05, p95 } = p.quantiles;
          if (m.realized >= p05 && m.realized <= p95) continue;
          const side = m.realized < p05 ? 'below' : 'above';
          out.push(mk(p, `${p.asset} ${p.horizon}: realised ${fmt(m.realized)} is ${side} the 90% band ${fmt(p05)}–${fmt(p95)} forecast at ${new Date(p.issuedAt).toISOString()}`, { side, realized: String(m.realized) }));
        }
      }
    }
    return out;
  }

  /** Serialisable edge-trigger state. */
  stateOf(): Record<string, boolean> {
    return Object.fromEntries(this.above);
  }
}

/** One delivery per user alert, on the rule's own channel (`target` holds the channel record, e.g. a URL). */
export function routeUserEvents(events: readonly UserAlertEvent[]): Delivery[] {
  return events.map((e) => ({ channel: String(e.rule.channel.type), alert: e.alert, covers: [e.alert], target: e.rule.channel }));
}
