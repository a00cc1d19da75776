/**
 * The rules engine: pure, timer-free, deterministic. Each call `evaluate(snapshot, now)` runs every rule's
 * `check` over a snapshot of the system and returns the fire/resolve events that this evaluation causes.
 *
 * Against flapping, each (rule, group) has a small state machine with hysteresis:
 *
 *   ok ──breach×forEvaluations──▶ firing ──clear×clearEvaluations──▶ ok (resolve event)
 *
 * A `hold` finding (the dead band between the fire and clear thresholds) resets the counter of the
 * transition in progress without changing the state, and a group missing from a snapshot changes nothing
 * (no data is not "all clear"). One alert per (rule, group): its `dedupKey` is `<rule>:<group labels>`,
 * and the resolve event carries the same `id`, `dedupKey` and `createdAt` as the fire event so stores
 * update the alert in place and receivers (PagerDuty) close the same incident.
 */
import type { Alert, Severity } from '@satcast/core';

/** What the operator (or the backend) should do when a rule fires. */
export type RemediationAction = 'retrain' | 'validate' | 'failover' | 'raise-update-frequency';

export interface Finding {
  /** Labels that identify the group (e.g. `{ model, horizon }`); part of the dedup key. */
  group: Record<string, string>;
  /** `breach`: condition holds; `clear`: condition clearly gone; `hold`: in the hysteresis dead band. */
  state: 'breach' | 'clear' | 'hold';
  value?: number;
  /** Human text for the alert body, e.g. "coverage 0.84 < 0.88 over 480 scored". */
  message: string;
}

export interface RuleSpec<S> {
  id: string;
  title: string;
  severity: Severity;
  action?: RemediationAction;
  /** Channel names the events go to (`slack`, `email`, `sms`, `pagerduty`, `dashboard`, ...). */
  channels: readonly string[];
  /** Consecutive breaching evaluations before the alert fires (>= 1). */
  forEvaluations: number;
  /** Consecutive clear evaluations before a firing alert resolves (>= 1). */
  clearEvaluations: number;
  check(snapshot: S): Finding[];
}

export interface AlertEvent {
  type: 'fire' | 'resolve';
  alert: Alert;
  rule: string;
  action?: RemediationAction;
  channels: readonly string[];
  value?: number;
}

interface GroupState {
  firing: boolean;
  breaches: number;
  clears: number;
  firedAt?: number;
  alert?: Alert;
}

export type EngineState = Record<string, GroupState>;

/** `k=v,k=v` with sorted keys, so the same labels always give the same key. */
export function groupKey(group: Record<string, string>): string {
  return Object.keys(group)
    .sort()
    .map((k) => `${k}=${group[k]}`)
    .join(',');
}

/**
 * @example
 * const engine = new RuleEngine(defaultOperatorRules());
 * const events = engine.evaluate({ confidence: [{ horizon: '1h', value: 0.55 }] }, Date.now());
 */
export class RuleEngine<S> {
  private state: EngineState;
  private readonly rules: readonly RuleSpec<S>[];

  constructor(rules: readonly RuleSpec<S>[], initial: EngineState = {}) {
    const ids = new Set<string>();
    for (const r of rules) {
      if (ids.has(r.id)) throw new Error(`[satcast] [alerting] duplicate rule id "${r.id}"`);
      if (!(r.forEvaluations >= 1 && r.clearEvaluations >= 1)) throw new Error(`[satcast] [alerting] rule "${r.id}": forEvaluations and clearEvaluations must be >= 1`);
      ids.add(r.id);
    }
    this.rules = rules;
    this.state = structuredClone(initial);
  }

  evaluate(snapshot: S, now: number): AlertEvent[] {
    const events: AlertEvent[] = [];
    for (const rule of this.rules) {
      for (const f of rule.check(snapshot)) {
        const gk = groupKey(f.group);
        const key = `${rule.id}|${gk}`;
        const st = (this.state[key] ??= { firing: false, breaches: 0, clears: 0 });
        if (f.state === 'breach') {
          st.clears = 0;
          if (!st.firing && ++st.breaches >= rule.forEvaluations) {
            const alert: Alert = {
              id: `${rule.id}:${gk || 'all'}:${now}`,
              rule: rule.id,
              severity: rule.severity,
              status: 'firing',
              dedupKey: `${rule.id}:${gk || 'all'}`,
              title: rule.title,
              message: f.message.slice(0, 4000),
              createdAt: now,
              labels: { ...f.group, ...(rule.action ? { action: rule.action } : {}) },
            };
            Object.assign(st, { firing: true, breaches: 0, firedAt: now, alert });
            events.push({ type: 'fire', alert, rule: rule.id, action: rule.action, channels: rule.channels, value: f.value });
          }
        } else if (f.state === 'clear') {
          st.breaches = 0;
          if (st.firing && ++st.clears >= rule.clearEvaluations) {
            const alert: Alert = { ...st.alert!, status: 'resolved', message: f.message.slice(0, 4000), labels: { ...st.alert!.labels, resolvedAt: String(now) } };
            Object.assign(st, { firing: false, clears: 0, firedAt: undefined, alert: undefined });
            events.push({ type: 'resolve', alert, rule: rule.id, action: rule.action, channels: rule.channels, value: f.value });
          }
        } else {
          // Dead band: neither transition may progress on evidence that is not clear-cut.
          if (st.firing) st.clears = 0;
          else st.breaches = 0;
        }
      }
    }
    return events;
  }

  /** Alerts currently firing, oldest first. */
  active(): Alert[] {
    return Object.values(this.state)
      .filter((s) => s.firing && s.alert)
      .map((s) => s.alert!)
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Serialisable state, to persist across restarts (`new RuleEngine(rules, saved)`). */
  snapshotState(): EngineState {
    return structuredClone(this.state);
  }
}
