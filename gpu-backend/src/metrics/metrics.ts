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
 *   satcast_quarantine_rows{source}
 *   satcast_feature_missing_ratio{feature,set}                   share of non-finite values after each feature's warm-up
 *   process_* / nodejs_*                                         default process metrics
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Horizon, Prediction, Store } from '@satcast/core';
import { liveScores } from './scores.js';

export interface Metrics {
  registry: Registry;
  http: Histogram<'method' | 'route' | 'status'>;
  observePredictions(preds: readonly Prediction[], ms: number, servedModel: string): void;
  /** Refresh gauges computed from the store and source health (called on scrape). */
  refresh(input: { store: Store; asset: string; asOf?: number; sources: { id: string; lastEventTime?: number; errors: number }[]; features?: { name: string; featureSet: string; missingRatio: number }[]; models: string[]; horizons: string[] }): Promise<void>;
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
  const quarantine = new Gauge({ name: 'satcast_quarantine_rows', help: 'Rows in quarantine', labelNames: ['source'] as const, registers: [registry] });
  const missing = new Gauge({ name: 'satcast_feature_missing_ratio', help: "Share of non-finite values of a feature after its warm-up (history and live bars)", labelNames: ['feature', 'set'] as const, registers: [registry] });

  return {
    registry,
    http,
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
    async refresh({ store, asset, asOf, sources, features = [], models, horizons }) {
      for (const f of features) missing.set({ feature: f.name, set: f.featureSet }, f.missingRatio);
      for (const sc of await liveScores(store, { asset, models, horizons: horizons as Horizon[], asOf })) {
        const labels = { model: sc.model, horizon: sc.horizon };
        scored.set(labels, sc.n);
        if (sc.coverage90 !== null) coverage.set(labels, sc.coverage90);
        if (sc.maeSkillVsPersistence !== null) skill.set(labels, sc.maeSkillVsPersistence);
      }
      for (const s of sources) {
        if (s.lastEventTime !== undefined) lag.set({ source: s.id }, (Date.now() - s.lastEventTime) / 1000);
        sourceErrors.set({ source: s.id }, s.errors);
        quarantine.set({ source: s.id }, await store.countQuarantine({ source: s.id }));
      }
    },
  };
}
