/**
 * Every metric name the Grafana dashboard (`deploy/grafana/satcast.json`) and the Prometheus rules
 * (`deploy/prometheus/alerts.yml`) may reference. `exported: true` names are on the backend's `/metrics`
 * today (gpu-backend/src/metrics/metrics.ts, prom-client default metrics); `exported: false` names are
 * proposed by the monitoring issue and must be added to the backend before their panels show data.
 * A test parses both deploy files and fails on any name not listed here.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricName {
  name: string;
  type: MetricType;
  labels: readonly string[];
  /** `backend`: satcast_* in metrics.ts; `process`: prom-client defaults; `prometheus`: scrape-generated. */
  source: 'backend' | 'process' | 'prometheus';
  exported: boolean;
  help: string;
}

const m = (name: string, type: MetricType, labels: string[], source: MetricName['source'], exported: boolean, help: string): MetricName => ({ name, type, labels, source, exported, help });

export const METRIC_NAMES: readonly MetricName[] = [
  // Exported by gpu-backend/src/metrics/metrics.ts today.
  m('satcast_http_request_duration_seconds', 'histogram', ['method', 'route', 'status'], 'backend', true, 'API request latency'),
  m('satcast_prediction_duration_seconds', 'histogram', [], 'backend', true, 'Wall time of one prediction round'),
  m('satcast_prediction_confidence', 'histogram', ['horizon'], 'backend', true, 'Confidence of served predictions'),
  m('satcast_predictions_total', 'counter', ['model', 'horizon'], 'backend', true, 'Predictions issued'),
  m('satcast_predictions_conservative_total', 'counter', ['horizon'], 'backend', true, 'Served predictions flagged conservative'),
  m('satcast_live_coverage90', 'gauge', ['model', 'horizon'], 'backend', true, 'Live 90% band coverage (last 500)'),
  m('satcast_live_mae_skill_vs_persistence', 'gauge', ['model', 'horizon'], 'backend', true, '1 - MAE / persistence MAE (last 500)'),
  m('satcast_live_scored', 'gauge', ['model', 'horizon'], 'backend', true, 'Scored predictions in the live window'),
  m('satcast_source_lag_seconds', 'gauge', ['source'], 'backend', true, 'Seconds since the newest event time a source delivered'),
  // A gauge holding a running count (the backend sets it from the source's own counter).
  m('satcast_source_errors_total', 'gauge', ['source'], 'backend', true, 'Errors reported by a source since start'),
  m('satcast_quarantine_rows', 'gauge', ['source'], 'backend', true, 'Rows in quarantine'),
  m('satcast_feature_missing_ratio', 'gauge', ['feature', 'set'], 'backend', true, 'Share of non-finite values after warm-up'),
  // prom-client collectDefaultMetrics().
  m('process_cpu_seconds_total', 'counter', [], 'process', true, 'CPU time'),
  m('process_resident_memory_bytes', 'gauge', [], 'process', true, 'Resident memory'),
  m('process_start_time_seconds', 'gauge', [], 'process', true, 'Process start time'),
  m('nodejs_eventloop_lag_p99_seconds', 'gauge', [], 'process', true, 'Event loop lag p99'),
  m('nodejs_heap_size_used_bytes', 'gauge', [], 'process', true, 'V8 heap used'),
  // Written by Prometheus for every scrape target.
  m('up', 'gauge', ['job', 'instance'], 'prometheus', true, '1 when the last scrape succeeded'),
  m('ALERTS', 'gauge', ['alertname', 'alertstate'], 'prometheus', true, 'Pending and firing alerts (used for dashboard annotations)'),

  // Added by the monitoring issue (gpu-backend/src/metrics/metrics.ts `createAlertingMetrics`, values from src/alerting/).
  m('satcast_component_up', 'gauge', ['component'], 'backend', true, '1 when a component (store, cache, model, edge, source:<id>) is available, else 0'),
  m('satcast_alerts_firing', 'gauge', ['rule', 'severity'], 'backend', true, 'Operator alerts currently firing (rules engine active set)'),
  m('satcast_alert_events_total', 'counter', ['rule', 'severity', 'event'], 'backend', true, 'Rules-engine transitions (event = fire | resolve)'),
  m('satcast_notifications_total', 'counter', ['channel', 'outcome'], 'backend', true, 'Deliveries by outcome (delivered | duplicate | failed | no-channel)'),
  m('satcast_notification_attempts_total', 'counter', ['channel'], 'backend', true, 'Delivery attempts including retries'),
  m('satcast_feature_drift_psi', 'gauge', ['feature', 'set'], 'backend', true, 'PSI of the live window vs the training window'),
  m('satcast_feature_drift_ks_pvalue', 'gauge', ['feature', 'set'], 'backend', true, 'Two-sample KS p-value, live vs training window'),
  m('satcast_source_anomaly_zscore', 'gauge', ['source', 'series'], 'backend', true, 'z-score of the newest value vs its recent history'),
  m('satcast_last_prediction_timestamp_seconds', 'gauge', ['horizon'], 'backend', true, 'issuedAt of the newest served prediction (unix seconds)'),
];

/** Series names a metric produces in the exposition format (histograms add _bucket, _sum, _count). */
export function seriesNames(metric: MetricName): string[] {
  return metric.type === 'histogram' ? [`${metric.name}_bucket`, `${metric.name}_sum`, `${metric.name}_count`] : [metric.name];
}

/** Every series name a query may use. */
export const KNOWN_SERIES: ReadonlySet<string> = new Set(METRIC_NAMES.flatMap(seriesNames));

/**
 * Metric names referenced by a PromQL expression: identifiers that are not functions, keywords, label
 * names inside `{}`/`by ()`, or durations. Good enough for the expressions we write (tested).
 */
export function metricsInPromQL(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // string literals (label values)
    .replace(/\{[^}]*\}/g, '{}') // label matchers
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '') // grouping label lists
    .replace(/\[[^\]]*\]/g, '[]') // range selectors and subqueries
    .replace(/\$\{?\w+\}?/g, ''); // Grafana template variables
  const out = new Set<string>();
  for (const match of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const word = match[0];
    const after = stripped.slice(match.index! + word.length).trimStart();
    if (after.startsWith('(')) continue; // function call
    if (PROMQL_WORDS.has(word)) continue;
    out.add(word);
  }
  return [...out];
}

const PROMQL_WORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'inf', 'nan', 'Inf', 'NaN', 'e']);
