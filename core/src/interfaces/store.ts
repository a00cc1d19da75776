import type { Candle } from '../schemas/candle.js';
import type { Observation, RejectedRecord } from '../schemas/observation.js';
import type { Prediction, Outcome } from '../schemas/prediction.js';
import type { Alert } from '../schemas/alert.js';
import type { ModelCard } from '../schemas/model-card.js';
import type { FeatureVector } from '../schemas/feature.js';
import type { AlertRule, ApiKeyRow } from '../schemas/access.js';
import type { Horizon, Interval } from '../time.js';

export interface UpsertResult {
  /** Rows that did not exist before. */
  inserted: number;
  /** Rows that existed and whose values changed (e.g. a revised bar). */
  updated: number;
  /** Rows identical to what was stored (idempotent re-ingest). */
  unchanged: number;
}

export interface CandleQuery {
  symbol: string;
  interval: Interval;
  /** Inclusive open-time bounds, epoch ms. */
  from?: number;
  to?: number;
  /** With `order: 'desc'` and `limit`, the newest N. */
  limit?: number;
  order?: 'asc' | 'desc';
}

export interface ObservationQuery {
  source: string;
  series: string;
  fromEventTime?: number;
  toEventTime?: number;
  /** Point-in-time: only rows public at this time (availableAt <= asOf); latest revision per eventTime. */
  asOf?: number;
}

export interface QuarantineRow extends RejectedRecord {
  id: number;
}

export interface PredictionQuery {
  asset: string;
  horizon?: Horizon;
  /** Model name (the part of modelVersion before `@`). */
  model?: string;
  /** Inclusive issuedAt bounds. */
  from?: number;
  to?: number;
  limit?: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
  order?: 'asc' | 'desc';
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

export interface ModelVersionRow {
  card: ModelCard;
  /** Where the artifact lives (artifact store key). */
  artifactUri: string;
  stage: 'none' | 'champion' | 'challenger' | 'shadow' | 'archived';
}

export interface AuditEntry {
  at: number;
  actor: string;
  action: string;
  target?: string;
  detail?: Record<string, unknown>;
}

export interface StoredAuditEntry extends AuditEntry {
  seq: number;
  prevHash: string;
  hash: string;
}

/**
 * Persistence for everything Satcast records. Writes are idempotent upserts on natural keys; reads never
 * return partially written batches (each upsert call is one transaction).
 */
export interface Store {
  upsertCandles(candles: readonly Candle[]): Promise<UpsertResult>;
  getCandles(q: CandleQuery): Promise<Candle[]>;
  countCandles(q: Pick<CandleQuery, 'symbol' | 'interval'>): Promise<number>;
  /** Newest open time stored, or undefined. */
  latestCandleTime(q: Pick<CandleQuery, 'symbol' | 'interval'>): Promise<number | undefined>;

  upsertObservations(obs: readonly Observation[]): Promise<UpsertResult>;
  getObservations(q: ObservationQuery): Promise<Observation[]>;

  quarantine(rows: readonly RejectedRecord[]): Promise<number>;
  listQuarantine(q?: { source?: string; limit?: number }): Promise<QuarantineRow[]>;
  countQuarantine(q?: { source?: string }): Promise<number>;

  putFeatureVectors(rows: readonly FeatureVector[]): Promise<UpsertResult>;
  getFeatureVectors(q: { asset: string; from?: number; to?: number; limit?: number }): Promise<FeatureVector[]>;

  /** Natural key: (asset, horizon, issuedAt, modelVersion). */
  putPredictions(preds: readonly Prediction[]): Promise<UpsertResult>;
  /** Newest prediction per horizon (optionally of one model). */
  latestPredictions(q: { asset: string; horizon?: Horizon; model?: string }): Promise<Prediction[]>;
  listPredictions(q: PredictionQuery): Promise<Page<Prediction>>;
  /** Predictions whose targetTime <= asOf and that have no outcome yet. */
  unscoredPredictions(q: { asset: string; asOf: number; limit?: number }): Promise<Prediction[]>;

  /** Natural key: (asset, horizon, issuedAt, modelVersion). */
  putOutcomes(outcomes: readonly Outcome[]): Promise<UpsertResult>;
  listOutcomes(q: { asset: string; horizon?: Horizon; model?: string; from?: number; to?: number; limit?: number }): Promise<Outcome[]>;

  putModelVersion(row: ModelVersionRow): Promise<void>;
  getModelVersion(name: string, version: string): Promise<ModelVersionRow | undefined>;
  listModelVersions(q?: { name?: string }): Promise<ModelVersionRow[]>;
  setModelStage(name: string, version: string, stage: ModelVersionRow['stage']): Promise<void>;

  /** Natural key: (rule, dedupKey, createdAt). */
  putAlerts(alerts: readonly Alert[]): Promise<UpsertResult>;
  listAlerts(q?: { status?: Alert['status']; limit?: number }): Promise<Alert[]>;

  /** API keys, stored by SHA-256 of the secret only. */
  putApiKey(row: ApiKeyRow): Promise<void>;
  findApiKeyByHash(hash: string): Promise<ApiKeyRow | undefined>;
  listApiKeys(): Promise<ApiKeyRow[]>;
  /** Marks the key revoked; false when no such key. */
  revokeApiKey(id: string, at: number): Promise<boolean>;

  /** User alert rules (insert or replace by id). */
  putAlertRule(rule: AlertRule): Promise<void>;
  getAlertRule(id: string): Promise<AlertRule | undefined>;
  listAlertRules(q?: { owner?: string }): Promise<AlertRule[]>;
  deleteAlertRule(id: string): Promise<boolean>;

  /** Append-only, hash-chained: each entry's hash covers its content and the previous hash. */
  appendAudit(entry: AuditEntry): Promise<StoredAuditEntry>;
  listAudit(q?: { limit?: number; afterSeq?: number }): Promise<StoredAuditEntry[]>;

  close(): Promise<void>;
}
