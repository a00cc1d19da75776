/**
 * Prometheus metrics (`GET /metrics`, text format 0.0.4) on a registry per process instance. Names are
 * what the Grafana dashboards and alert rules (monitoring issue) will reference:
 *
 *   satcast_http_request_duration_seconds{method,route,status}   API latency (RPS and error rate derive from it)
 *   satcast_prediction_duration_seconds                          one prediction round (all models, horizons)
 *   satcast_prediction_confidence{horizon}                       served confidence distribution
 *   satcast_predictions_total{model,horizon} / satcast_predictions_conservative_total{horizon}
 *   satcast_live_coverage90{model,horizon}, satcast_live_mae_skill_vs_persistence{model,horizon}, satcast_live_scored{model,horizon}
 *   satcast_source_lag_seconds{source}, satcast_source_errors_total{source}
 *   satcast_source_up{source}                                    0 while a source is banned / circuit-open / disconnected
 *   satcast_source_rejected_total{source,kind}                   records quarantined since start (one per record)
 *   satcast_quarantine_rows{source}
 *   satcast_feature_missing_ratio{feature,set}                   share of non-finite values after each feature's warm-up
 *   process_* / nodejs_*                                         default process metrics
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Horizon, Prediction, RejectedRecord, Store } from '@satcast/core';
import { liveScores } from './scores.js';

export interface Metrics {
  registry: Registry;
  http: Histogram<'method' | 'route' | 'status'>;
  /**
   * Observe one API request in `satcast_http_request_duration_seconds` (same series as
   * `http.observe({method, route, status}, seconds)`), through a cached child per label set: no label
   * object, status string or label hash per request. Label sets are bounded (route patterns, not paths).
   */
  observeHttp(method: string, route: string, status: number, seconds: number): void;
  observePredictions(preds: readonly Prediction[], ms: number, servedModel: string): void;
  /** Count records written to quarantine (`satcast_source_rejected_total`, one increment per record). */
  countRejected(rows: readonly Pick<RejectedRecord, 'source' | 'kind'>[]): void;
  /** Refresh gauges computed from the store and source health (called on scrape). */
  refresh(input: { store: Store; asset: string; asOf?: number; sources: { id: string; lastEventTime?: number; errors: number; lagMs?: number; ready?: boolean }[]; features?: { name: string; featureSet: string; missingRatio: number }[]; models: string[]; horizons: string[] }): Promise<void>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const http = new Histogram({
    name: 'satcast_http_request_duration_seconds',
    help: 'API request latency',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  const predDuration = new Histogram({ name: 'satcast_prediction_duration_seconds', help: 'Wall time of one prediction round (all models and horizons)', buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5], registers: [registry] });
  const confidence = new Histogram({ name: 'satcast_prediction_confidence', help: 'Confidence of served predictions', labelNames: ['horizon'] as const, buckets: [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1], registers: [registry] });
  const predictions = new Counter({ name: 'satcast_predictions_total', help: 'Predictions issued', labelNames: ['model', 'horizon'] as const, registers: [registry] });
  const conservative = new Counter({ name: 'satcast_predictions_conservative_total', help: 'Served predictions flagged conservative', labelNames: ['horizon'] as const, registers: [registry] });
  const coverage = new Gauge({ name: 'satcast_live_coverage90', help: 'Share of scored predictions whose realised price fell inside [p05, p95] (last 500)', labelNames: ['model', 'horizon'] as const, registers: [registry] });
  const skill = new Gauge({ name: 'satcast_live_mae_skill_vs_persistence', help: '1 - MAE / persistence MAE over the last 500 scored predictions', labelNames: ['model', 'horizon'] as const, registers: [registry] });
  const scored = new Gauge({ name: 'satcast_live_scored', help: 'Scored predictions in the live window', labelNames: ['model', 'horizon'] as const, registers: [registry] });
  const lag = new Gauge({ name: 'satcast_source_lag_seconds', help: 'Seconds since the newest event time a source delivered', labelNames: ['source'] as const, registers: [registry] });
  const sourceErrors = new Gauge({ name: 'satcast_source_errors_total', help: 'Errors reported by a source since start', labelNames: ['source'] as const, registers: [registry] });
  const sourceUp = new Gauge({ name: 'satcast_source_up', help: '1 when a source can deliver (not banned, circuit-open or disconnected), else 0', labelNames: ['source'] as const, registers: [registry] });
  const rejected = new Counter({ name: 'satcast_source_rejected_total', help: 'Records quarantined since start (invalid payloads, impossible values, unknown schema versions)', labelNames: ['source', 'kind'] as const, registers: [registry] });
  const quarantine = new Gauge({ name: 'satcast_quarantine_rows', help: 'Rows in quarantine', labelNames: ['source'] as const, registers: [registry] });
  const missing = new Gauge({ name: 'satcast_feature_missing_ratio', help: "Share of non-finite values of a feature after its warm-up (history and live bars)", labelNames: ['feature', 'set'] as const, registers: [registry] });

  // method -> route -> status -> child; a handful of entries in practice (bounded by the route table).
  const httpChildren = new Map<string, Map<string, Map<number, { observe(v: number): void }>>>();

  return {
    registry,
    http,
    observeHttp(method, route, status, seconds) {
      let byRoute = httpChildren.get(method);
      if (byRoute === undefined) httpChildren.set(method, (byRoute = new Map()));
      let byStatus = byRoute.get(route);
      if (byStatus === undefined) byRoute.set(route, (byStatus = new Map()));
      let child = byStatus.get(status);
      if (child === undefined) byStatus.set(status, (child = http.labels(method, route, String(status))));
      child.observe(seconds);
    },
    observePredictions(preds, ms, servedModel) {
      predDuration.observe(ms / 1000);
      for (const p of preds) {
        const model = String(p.metadata.model ?? p.modelVersion.split('@')[0]);
        predictions.inc({ model, horizon: p.horizon });
        if (model !== servedModel) continue;
        confidence.observe({ horizon: p.horizon }, p.confidence);
        if (p.conservative) conservative.inc({ horizon: p.horizon });
      }
    },
    countRejected(rows) {
      for (const r of rows) rejected.inc({ source: r.source, kind: r.kind });
    },
    async refresh({ store, asset, asOf, sources, features = [], models, horizons }) {
      for (const f of features) missing.set({ feature: f.name, set: f.featureSet }, f.missingRatio);
      for (const sc of await liveScores(store, { asset, models, horizons: horizons as Horizon[], asOf })) {
        const labels = { model: sc.model, horizon: sc.horizon };
        scored.set(labels, sc.n);
        if (sc.coverage90 !== null) coverage.set(labels, sc.coverage90);
        if (sc.maeSkillVsPersistence !== null) skill.set(labels, sc.maeSkillVsPersistence);
      }
      for (const s of sources) {
        // A source's own lag (Binance: since the newest stream event) beats open time of the newest bar.
        if (s.lagMs !== undefined) lag.set({ source: s.id }, s.lagMs / 1000);
        else if (s.lastEventTime !== undefined) lag.set({ source: s.id }, (Date.now() - s.lastEventTime) / 1000);
        sourceErrors.set({ source: s.id }, s.errors);
        sourceUp.set({ source: s.id }, s.ready === false ? 0 : 1);
        quarantine.set({ source: s.id }, await store.countQuarantine({ source: s.id }));
      }
    },
  };
}

/**
 * The monitoring issue's metrics (names from `@satcast/plugin-alerting` METRIC_NAMES), registered on the
 * same registry by the alerting service (`src/alerting/`), which owns their values:
 *
 *   satcast_component_up{component}                     1 when store, cache, model, source:<id> is available
 *   satcast_alerts_firing{rule,severity}                 operator alerts firing now
 *   satcast_alert_events_total{rule,severity,event}      fire / resolve transitions
 *   satcast_notifications_total{channel,outcome}         deliveries: delivered | duplicate | failed | no-channel
 *   satcast_notification_attempts_total{channel}         attempts including retries
 *   satcast_feature_drift_psi{feature,set}               PSI, recent window vs the window before it
 *   satcast_feature_drift_ks_pvalue{feature,set}         two-sample KS p-value, same windows
 *   satcast_source_anomaly_zscore{source,series}         newest value vs its trailing window
 *   satcast_last_prediction_timestamp_seconds{horizon}   issuedAt of the newest served prediction
 */
export function createAlertingMetrics(registry: Registry) {
  const registers = [registry];
  return {
    componentUp: new Gauge({ name: 'satcast_component_up', help: '1 when a component (store, cache, model, source:<id>) is available, else 0', labelNames: ['component'] as const, registers }),
    alertsFiring: new Gauge({ name: 'satcast_alerts_firing', help: 'Operator alerts currently firing', labelNames: ['rule', 'severity'] as const, registers }),
    alertEvents: new Counter({ name: 'satcast_alert_events_total', help: 'Rules-engine transitions (event = fire | resolve)', labelNames: ['rule', 'severity', 'event'] as const, registers }),
    notifications: new Counter({ name: 'satcast_notifications_total', help: 'Alert deliveries by outcome (delivered | duplicate | failed | no-channel)', labelNames: ['channel', 'outcome'] as const, registers }),
    notificationAttempts: new Counter({ name: 'satcast_notification_attempts_total', help: 'Alert delivery attempts including retries', labelNames: ['channel'] as const, registers }),
    driftPsi: new Gauge({ name: 'satcast_feature_drift_psi', help: 'PSI of the recent feature window vs the window before it', labelNames: ['feature', 'set'] as const, registers }),
    driftKsPValue: new Gauge({ name: 'satcast_feature_drift_ks_pvalue', help: 'Two-sample KS p-value, recent feature window vs the window before it', labelNames: ['feature', 'set'] as const, registers }),
    anomalyZ: new Gauge({ name: 'satcast_source_anomaly_zscore', help: 'z-score of the newest value of a series vs its trailing window', labelNames: ['source', 'series'] as const, registers }),
    lastPrediction: new Gauge({ name: 'satcast_last_prediction_timestamp_seconds', help: 'issuedAt of the newest served prediction (unix seconds)', labelNames: ['horizon'] as const, registers }),
  };
}
export type AlertingMetrics = ReturnType<typeof createAlertingMetrics>;
