/**
 * The alerting service: on every served prediction set it builds the operator snapshot, runs the rules
 * engine, stores fired/resolved alerts (`Store.putAlerts`, resolve updates the fire in place), takes the
 * rule's action, and delivers through the configured channels; then it evaluates users' alert rules
 * (`/api/v1/alerts`) and records each delivery on the stored user alert (labels `delivery`,
 * `deliveryAttempts`, `deliveryError`, ...), which `GET /api/v1/alerts/{id}/deliveries` shows.
 *
 * Evaluations run one at a time in arrival order (the engine's for/clear counts depend on it);
 * deliveries run behind them on one queue per channel, so a provider retrying for 30 s never delays the
 * next evaluation and a resolve never overtakes its fire on the same channel.
 */
import { type Alert, type Cache, type Logger, type Prediction, type ResolvedConfig, type Store } from '@satcast/core';
import {
  DEFAULT_THRESHOLDS,
  RuleEngine,
  UserRuleEvaluator,
  defaultOperatorRules,
  dispatch,
  routeEvents,
  routeUserEvents,
  type AlertEvent,
  type Delivery,
  type DeliveryRecord,
  type EngineState,
  type OperatorSnapshot,
  type OperatorThresholds,
  type RemediationAction,
} from '@satcast/plugin-alerting';
import type { AlertingMetrics } from '../metrics/metrics.js';
import type { Channels } from './channels.js';
import { DriftMonitor, type DriftResult } from './drift.js';
import { definedOnly, maturedPredictions, withDelivery } from './users.js';
import { SnapshotBuilder, type SnapshotDeps } from './snapshot.js';

/** Called when a rule with that action fires (and, for flags, resolves). The model registry hooks `retrain` later. */
export type ActionHook = (alert: Alert, event: 'fire' | 'resolve') => void | Promise<void>;

export interface AlertingDeps extends SnapshotDeps {
  config: ResolvedConfig;
  store: Store;
  cache: Cache;
  log: Logger;
  metrics: AlertingMetrics;
  channels: Channels;
  /** Feature name -> feature set id, for drift labels. */
  featureSets?: () => readonly { name: string; featureSet: string }[];
  /** Injectable for tests; defaults to Date.now. */
  wallClock?: () => number;
  /** Engine and user-rule state saved by a previous process (`STATE_KEY` in the cache). */
  initialState?: SavedState;
}

/** Where the engine's state is kept between evaluations, so a restart neither re-fires nor forgets a firing alert. */
export const STATE_KEY = 'alerting:state';
export interface SavedState {
  engine: EngineState;
  users: Record<string, boolean>;
}

const RECENT_RECORDS = 200;

export class AlertingService {
  readonly engine: RuleEngine<OperatorSnapshot>;
  private readonly users: UserRuleEvaluator;
  private readonly snapshot: SnapshotBuilder;
  private readonly drift: DriftMonitor;
  private readonly hooks = new Map<RemediationAction, ActionHook[]>();
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly inflight = new Set<Promise<unknown>>();
  private chain: Promise<unknown> = Promise.resolve();
  private driftRunning = false;
  private readonly warned = new Set<string>();
  private readonly records: DeliveryRecord[] = [];
  private readonly wall: () => number;
  /** Data clock: close of the newest bar predicted, and the wall time it was seen (to extrapolate between bars). */
  private dataClock?: { asOf: number; at: number };
  readonly flags = { raiseUpdateFrequency: false, retrainRequested: undefined as number | undefined };
  readonly counts = { evaluations: 0, fired: 0, resolved: 0, userAlerts: 0 };

  constructor(private readonly deps: AlertingDeps) {
    const t = deps.config.alerting.thresholds;
    const merged: OperatorThresholds = {
      ...DEFAULT_THRESHOLDS,
      ...definedOnly({ ...t, forEvaluations: undefined, clearEvaluations: undefined }),
      forEvaluations: { ...DEFAULT_THRESHOLDS.forEvaluations, ...definedOnly(t.forEvaluations ?? {}) },
      clearEvaluations: { ...DEFAULT_THRESHOLDS.clearEvaluations, ...definedOnly(t.clearEvaluations ?? {}) },
    };
    const routes = deps.config.alerting.routes;
    this.engine = new RuleEngine(defaultOperatorRules(merged).map((r) => (routes[r.id] ? { ...r, channels: routes[r.id]! } : r)), deps.initialState?.engine);
    this.users = new UserRuleEvaluator(deps.initialState?.users);
    this.snapshot = new SnapshotBuilder(deps);
    this.drift = new DriftMonitor(deps.config.alerting.drift);
    this.wall = deps.wallClock ?? Date.now;
  }

  /** Register a hook for a remediation action (e.g. the registry's retrain trigger). */
  on(action: RemediationAction, hook: ActionHook): void {
    this.hooks.set(action, [...(this.hooks.get(action) ?? []), hook]);
  }

  noteEvent(sourceId: string, eventTime: number): void {
    this.snapshot.noteEvent(sourceId, eventTime);
  }

  /** Newest event time of a source seen on the bus (status, tests). */
  seenEventTime(sourceId: string): number | undefined {
    return this.snapshot.seenEventTime(sourceId);
  }

  /** A served prediction set was issued (bus topic `predictions`). Resolves when evaluated (deliveries continue). */
  onPredictions(served: readonly Prediction[]): Promise<void> {
    return this.serial(async () => {
      if (served.length === 0) return;
      const asOf = Math.max(...served.map((p) => p.issuedAt));
      const prev = this.dataClock?.asOf;
      this.dataClock = { asOf, at: this.wall() };
      for (const p of served) this.deps.metrics.lastPrediction.set({ horizon: p.horizon }, p.issuedAt / 1000);
      this.computeDrift();
      const snap = await this.snapshot.afterPrediction(served, asOf);
      await this.apply(snap, asOf);
      await this.userRules(served, asOf, prev);
    });
  }

  /** Components only (store, cache, sources), on the data clock extrapolated by wall time: a stalled feed issues no predictions. */
  check(): Promise<void> {
    return this.serial(async () => {
      if (!this.dataClock) return;
      const now = this.dataClock.asOf + Math.max(0, this.wall() - this.dataClock.at);
      await this.apply({ components: await this.snapshot.components(now) }, now);
    });
  }

  /** Evaluate a snapshot built elsewhere (other monitors, tests) on the same engine, in order with the rest. */
  evaluate(snap: OperatorSnapshot, now: number): Promise<void> {
    return this.serial(() => this.apply(snap, now));
  }

  /** Wait for every queued evaluation and delivery (tests, shutdown). */
  async idle(): Promise<void> {
    await this.chain;
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  recentDeliveries(limit = 50): DeliveryRecord[] {
    return this.records.slice(-limit).reverse();
  }

  driftStatus() {
    return this.drift.status();
  }

  lastEvaluatedAt(): number | undefined {
    return this.dataClock?.asOf;
  }

  private serial(fn: () => Promise<void>): Promise<void> {
    const run = this.chain.then(fn);
    this.chain = run.catch((err) => this.deps.log.error('alert evaluation failed', { error: String(err) }));
    return run;
  }

  /** Drift in the background (at most one run at a time; `idle()` waits for it). */
  private computeDrift(): void {
    const cols = this.deps.featureColumns?.();
    if (!cols || this.driftRunning) return;
    this.driftRunning = true;
    const sets = new Map((this.deps.featureSets?.() ?? []).map((f) => [f.name, f.featureSet]));
    const run = this.drift
      .maybeCompute(cols, (f) => sets.get(f) ?? 'unknown', this.wall())
      .then((res: DriftResult[] | undefined) => {
        for (const r of res ?? []) {
          this.deps.metrics.driftPsi.set({ feature: r.feature, set: r.set }, r.psi);
          this.deps.metrics.driftKsPValue.set({ feature: r.feature, set: r.set }, r.ksPValue);
        }
      })
      .catch((err: unknown) => this.deps.log.error('drift computation failed', { error: String(err) }))
      .finally(() => {
        this.driftRunning = false;
        this.inflight.delete(run);
      });
    this.inflight.add(run);
  }

  /** Engine step: metrics, store, actions, deliveries. */
  private async apply(snap: OperatorSnapshot, now: number): Promise<void> {
    const m = this.deps.metrics;
    for (const c of snap.components ?? []) m.componentUp.set({ component: c.component }, c.ok ? 1 : 0);
    for (const a of snap.anomalies ?? []) m.anomalyZ.set({ source: a.source, series: a.series }, a.z);
    const events = this.engine.evaluate(snap, now);
    this.counts.evaluations++;
    await this.saveState();
    m.alertsFiring.reset();
    for (const a of this.engine.active()) m.alertsFiring.inc({ rule: a.rule, severity: a.severity });
    if (events.length === 0) return;
    for (const e of events) {
      m.alertEvents.inc({ rule: e.rule, severity: e.alert.severity, event: e.type });
      this.counts[e.type === 'fire' ? 'fired' : 'resolved']++;
      this.deps.log[e.type === 'fire' ? 'warn' : 'info'](`alert ${e.type === 'fire' ? 'FIRING' : 'resolved'}: ${e.alert.title}`, { dedupKey: e.alert.dedupKey, message: e.alert.message });
    }
    await this.deps.store.putAlerts(events.map((e) => e.alert));
    for (const e of events) await this.act(e);
    this.deliver(routeEvents(events));
  }

  private async saveState(): Promise<void> {
    const state: SavedState = { engine: this.engine.snapshotState(), users: this.users.stateOf() };
    await this.deps.cache.set(STATE_KEY, state).catch((err: unknown) => this.deps.log.warn('alerting state not saved', { error: String(err) }));
  }

  private async act(e: AlertEvent): Promise<void> {
    if (!e.action) return;
    if (e.action === 'raise-update-frequency') {
      // A flag the scheduler can read; true while any low-confidence alert fires.
      this.flags.raiseUpdateFrequency = this.engine.active().some((a) => a.labels.action === 'raise-update-frequency');
    }
    if (e.action === 'retrain' && e.type === 'fire') this.flags.retrainRequested = e.alert.createdAt;
    if (e.type === 'fire') {
      this.deps.log.warn(`alert action "${e.action}" for ${e.alert.dedupKey}${this.hooks.get(e.action)?.length ? '' : ' (no handler registered: logged only)'}`);
      await this.deps.store.appendAudit({ at: this.wall(), actor: 'alerting', action: `alert.action.${e.action}`, target: e.alert.dedupKey, detail: { alertId: e.alert.id, message: e.alert.message } });
    }
    for (const hook of this.hooks.get(e.action) ?? []) {
      try {
        await hook(e.alert, e.type);
      } catch (err) {
        this.deps.log.error(`alert action "${e.action}" hook failed`, { error: String(err) });
      }
    }
  }

  /** Users' rules on the new predictions; each alert is stored as pending, then with its delivery outcome. */
  private async userRules(served: readonly Prediction[], asOf: number, prev: number | undefined): Promise<void> {
    const rules = (await this.deps.store.listAlertRules()).filter((r) => r.enabled);
    if (rules.length === 0) return;
    const matured = rules.some((r) => r.kind === 'price_outside_band') ? await maturedPredictions(this.deps.store, this.deps.config, rules, asOf, prev) : [];
    const events = served.flatMap((p, i) => this.users.evaluate(rules, { prediction: p, matured: i === 0 ? matured : [] }, this.wall()));
    await this.saveState();
    if (events.length === 0) return;
    this.counts.userAlerts += events.length;
    const pending = events.map((e) => withDelivery(e.alert, { delivery: 'pending' }));
    await this.deps.store.putAlerts(pending);
    this.deliver(routeUserEvents(events), async (rec, d) => {
      await this.deps.store.putAlerts([
        withDelivery(d.alert, {
          delivery: rec.outcome,
          deliveryAttempts: String(rec.attempts),
          deliveryAt: String(rec.at),
          ...(rec.error ? { deliveryError: rec.error.slice(0, 500) } : {}),
          ...(rec.receiptId ? { deliveryReceipt: rec.receiptId.slice(0, 200) } : {}),
        }),
      ]);
    });
  }

  /** Queue deliveries per channel; record each outcome (metrics, recent list, optional callback). */
  private deliver(deliveries: readonly Delivery[], after?: (rec: DeliveryRecord, d: Delivery) => Promise<void>): void {
    const ch = this.deps.channels;
    for (const d of deliveries) {
      const key = d.target === undefined ? d.channel : `${d.channel}:${JSON.stringify(d.target)}`;
      const run = (this.queues.get(key) ?? Promise.resolve()).then(async () => {
        const [rec] = await dispatch([d], (x) => ch.resolve(x), { now: this.wall });
        if (!rec) return;
        if (rec.outcome === 'no-channel') rec.error = ch.problem(d.channel) ?? rec.error;
        this.record(rec);
        await after?.(rec, d);
      });
      const tracked = run.catch((err) => this.deps.log.error('alert delivery bookkeeping failed', { error: String(err) }));
      this.queues.set(key, tracked);
      this.inflight.add(tracked);
      void tracked.finally(() => this.inflight.delete(tracked));
    }
  }

  private record(rec: DeliveryRecord): void {
    this.deps.metrics.notifications.inc({ channel: rec.channel, outcome: rec.outcome });
    if (rec.attempts > 0) this.deps.metrics.notificationAttempts.inc({ channel: rec.channel }, rec.attempts);
    this.records.push(rec);
    if (this.records.length > RECENT_RECORDS) this.records.splice(0, this.records.length - RECENT_RECORDS);
    if (rec.outcome === 'failed') this.deps.log.error(`alert delivery to ${rec.channel} failed`, { alertId: rec.alertId, attempts: rec.attempts, error: rec.error });
    // An unconfigured channel is a setup choice, not an incident: say so once, record every delivery.
    if (rec.outcome === 'no-channel' && !this.warned.has(rec.channel)) {
      this.warned.add(rec.channel);
      this.deps.log.warn(`alerts routed to channel "${rec.channel}" are recorded but not sent: ${rec.error}`);
    }
  }
}
