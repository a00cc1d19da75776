/**
 * The operator rules from the specification, as data over one snapshot shape. Thresholds fire and clear
 * at different levels (hysteresis) and need several evaluations in a row (for-duration):
 *
 * | rule | fires when | clears when | severity | action | channels |
 * |---|---|---|---|---|---|
 * | `accuracy-degradation` | 90% band coverage < 0.88 over >= 50 scored, 3 evaluations | >= 0.89, 3 evaluations | warning | retrain | slack, email, sms |
 * | `data-anomaly` | \|z\| >= 3 for a source series, 1 evaluation | \|z\| < 2.5, 3 evaluations | warning | validate | slack |
 * | `system-failure` | a component is unavailable, 2 evaluations | available, 2 evaluations | critical | failover | pagerduty, sms |
 * | `low-confidence` | served confidence < 0.70, 3 evaluations | >= 0.72, 3 evaluations | info | raise-update-frequency | dashboard |
 *
 * Why these counts: coverage and confidence move slowly and one bad bar is noise; a 3σ jump is news at
 * once; a component failing two checks in a row rules out a single lost probe.
 */
import type { Finding, RuleSpec } from './engine.js';

export interface OperatorSnapshot {
  /** Rolling live 90% band coverage per model and horizon (`satcast_live_coverage90`). */
  coverage?: readonly { model: string; horizon: string; coverage90: number | null; n: number }[];
  /** Newest value of a source/feature series as a z-score against its recent history (`zScore`). */
  anomalies?: readonly { source: string; series: string; z: number }[];
  /** Component availability (store, cache, model, sources, edge, ...). */
  components?: readonly { component: string; ok: boolean; detail?: string }[];
  /** Confidence of the latest served prediction per horizon. */
  confidence?: readonly { horizon: string; value: number }[];
}

export interface OperatorThresholds {
  coverageFire: number;
  coverageClear: number;
  coverageMinScored: number;
  zFire: number;
  zClear: number;
  confidenceFire: number;
  confidenceClear: number;
  forEvaluations: { accuracy: number; anomaly: number; system: number; confidence: number };
  clearEvaluations: { accuracy: number; anomaly: number; system: number; confidence: number };
}

export const DEFAULT_THRESHOLDS: OperatorThresholds = {
  coverageFire: 0.88,
  coverageClear: 0.89,
  coverageMinScored: 50,
  zFire: 3,
  zClear: 2.5,
  confidenceFire: 0.7,
  confidenceClear: 0.72,
  forEvaluations: { accuracy: 3, anomaly: 1, system: 2, confidence: 3 },
  clearEvaluations: { accuracy: 3, anomaly: 3, system: 2, confidence: 3 },
};

const f3 = (x: number) => x.toFixed(3);

/** Three-way classification with a dead band: below `fire` breaches, at/above `clear` clears. */
function band(x: number, fire: number, clear: number): Finding['state'] {
  return x < fire ? 'breach' : x >= clear ? 'clear' : 'hold';
}

/** The four operator rules; override any threshold or count. */
export function defaultOperatorRules(overrides: Partial<OperatorThresholds> = {}): RuleSpec<OperatorSnapshot>[] {
  const t = { ...DEFAULT_THRESHOLDS, ...overrides };
  return [
    {
      id: 'accuracy-degradation',
      title: 'Accuracy degradation: 90% band coverage too low',
      severity: 'warning',
      action: 'retrain',
      channels: ['slack', 'email', 'sms'],
      forEvaluations: t.forEvaluations.accuracy,
      clearEvaluations: t.clearEvaluations.accuracy,
      check: (s) =>
        (s.coverage ?? [])
          // Too few scored predictions say nothing about coverage: skip rather than judge.
          .filter((c) => c.coverage90 !== null && c.n >= t.coverageMinScored)
          .map((c) => ({
            group: { model: c.model, horizon: c.horizon },
            state: band(c.coverage90!, t.coverageFire, t.coverageClear),
            value: c.coverage90!,
            message: `${c.model} ${c.horizon}: 90% band coverage ${f3(c.coverage90!)} over ${c.n} scored (fires < ${t.coverageFire}, clears >= ${t.coverageClear})`,
          })),
    },
    {
      id: 'data-anomaly',
      title: 'Data anomaly: a series moved more than 3σ',
      severity: 'warning',
      action: 'validate',
      channels: ['slack'],
      forEvaluations: t.forEvaluations.anomaly,
      clearEvaluations: t.clearEvaluations.anomaly,
      check: (s) =>
        (s.anomalies ?? [])
          .filter((a) => Number.isFinite(a.z))
          .map((a) => {
            const z = Math.abs(a.z);
            return {
              group: { source: a.source, series: a.series },
              state: z >= t.zFire ? 'breach' : z < t.zClear ? 'clear' : 'hold',
              value: a.z,
              message: `${a.source}:${a.series} is ${a.z.toFixed(2)}σ from its recent mean (fires at |z| >= ${t.zFire})`,
            } satisfies Finding;
          }),
    },
    {
      id: 'system-failure',
      title: 'System failure: component unavailable',
      severity: 'critical',
      action: 'failover',
      channels: ['pagerduty', 'sms'],
      forEvaluations: t.forEvaluations.system,
      clearEvaluations: t.clearEvaluations.system,
      check: (s) =>
        (s.components ?? []).map((c) => ({
          group: { component: c.component },
          state: c.ok ? 'clear' : 'breach',
          value: c.ok ? 1 : 0,
          message: `${c.component} ${c.ok ? 'is available again' : 'is unavailable'}${c.detail ? `: ${c.detail}` : ''}`,
        })),
    },
    {
      id: 'low-confidence',
      title: 'Low prediction confidence',
      severity: 'info',
      action: 'raise-update-frequency',
      channels: ['dashboard'],
      forEvaluations: t.forEvaluations.confidence,
      clearEvaluations: t.clearEvaluations.confidence,
      check: (s) =>
        (s.confidence ?? []).map((c) => ({
          group: { horizon: c.horizon },
          state: band(c.value, t.confidenceFire, t.confidenceClear),
          value: c.value,
          message: `${c.horizon} confidence ${f3(c.value)} (fires < ${t.confidenceFire}, clears >= ${t.confidenceClear})`,
        })),
    },
  ];
}
