/**
 * Continuous learning for the live loop. Per (trainable model, horizon) line: a RetrainScheduler with the
 * four triggers (schedule, coverage, drift, regime), retrains in a worker thread on a sliding window, the
 * result registered as challenger; the challenger is shadow-scored (predicted, stored under
 * `<model>.shadow`, scored, never served); the GateController promotes it on Diebold-Mariano evidence or
 * rolls the champion back past the margin; every promote/rollback is swapped into the pipeline between
 * two bars. `onBar` never waits for a retrain: predictions continue while a model trains.
 *
 * One experiment at a time: while a line has a challenger its triggers are not evaluated — a daily retrain
 * would otherwise replace every challenger long before the gate's 200 paired outcomes exist. Once the
 * challenger has them (or is `maxChallengerAgeMs` old) the gate promotes it or archives it (both logged),
 * and the triggers resume.
 */
import { checkForecasts, HORIZON_MS, type Cache, type Candle, type FeatureVector, type Horizon, type Logger, type Model, type Prediction, type ResolvedConfig, type Store } from '@satcast/core';
import {
  RetrainScheduler,
  type CoverageTriggerConfig, type Decision, type DriftTriggerConfig, type LineKey, type ModelRegistry, type PromotionGateConfig,
  type RegimeTriggerConfig, type RollbackConfig, type ScheduleConfig, type TickResult, type RouteRecord, route,
} from '@satcast/registry';
import { OnlineUpdater, type OnlineUpdateOptions } from './online.js';
import { toPrediction } from '../pipeline/forecast.js';
import { latestVersionKey } from '../pipeline/runtime.js';
import { featuresLatestKey } from '../pipeline/features.js';
import { GateController } from '@satcast/registry';
import type { History } from '../backtest/history.js';
import { shadowTag, SHADOW_SUFFIX, versionOutcomes } from './open.js';
import { DEFAULT_MODEL_MODULES, RetrainWorker } from './retrain-worker.js';
import { defaultWindowDays, retrainLine } from './retrain.js';
import { FeatureWindow } from './window.js';

type ResolvedModel = ResolvedConfig['resolved']['models'][number];

export interface ContinuousLearningOptions {
  /** Model ids to manage (default: every configured model that is not refitted per bar). */
  models?: readonly string[];
  /** Sliding window per model id, days (default 30 for fast models, 90 for gbdt/forest). */
  windowDays?: Record<string, number>;
  validationShare?: number;
  minRows?: number;
  coverage?: CoverageTriggerConfig | false;
  drift?: (DriftTriggerConfig & { window?: number }) | false;
  schedule?: ScheduleConfig | false;
  regime?: RegimeTriggerConfig | false;
  cooldownMs?: number;
  promotion?: PromotionGateConfig;
  rollback?: RollbackConfig;
  /** Bars between two champion checks (rollback), default 1, and between two challenger evaluations, default 24. */
  rollbackEveryBars?: number;
  gateEveryBars?: number;
  /** A challenger this old is judged (and archived if not better) even without enough pairs. Default 14 days. */
  maxChallengerAgeMs?: number;
  /** Outcomes read per gate check (issue time), default 60 days. */
  outcomeLookbackMs?: number;
  /** Plugin name → package exporting it, for the worker (defaults cover the bundled models). */
  modelModules?: Record<string, string>;
  codeVersion?: string;
  /**
   * How GET /api/v1/predictions serves a line of the served model that has a challenger: `shadow` (default:
   * the challenger is predicted and scored, never served) or `canary` (`share` of callers, default 0.1,
   * sticky per principal, get the challenger's latest prediction).
   */
  traffic?: { kind: 'shadow' } | { kind: 'canary'; share?: number };
  /** Online updates for models with `partialFit` (a champion copy enters as challenger); default off. */
  online?: OnlineUpdateOptions | boolean;
}

export interface ContinuousLearningDeps {
  config: ResolvedConfig;
  store: Store;
  registry: ModelRegistry;
  /** The pipeline's swap hook (promotion/rollback take effect from the next bar). */
  swapModel: (modelId: string, horizon: Horizon, version: string, blob: import('@satcast/core').SerializedModel) => Promise<void>;
  log: Logger;
  now: () => number;
  /** Where the pipeline publishes the live feature vector of the newest bar (`afterBar` reads it). */
  cache?: Cache;
}

interface Line {
  key: LineKey;
  model: ResolvedModel;
  scheduler: RetrainScheduler;
  champion?: string;
  challenger?: { version: string; model: Model; since: number; shadowed: number; lastJudgedBar?: number };
  ticking?: Promise<void>;
  online?: OnlineUpdater;
  outcomeCursor: number;
  bars: number;
}

export interface LearningStats {
  bars: number;
  barsWhileRetraining: number;
  retrains: number;
  shadowPredictions: number;
  onlineUpdates: number;
  swaps: { at: number; line: string; version: string; action: 'promote' | 'rollback' }[];
}

const DAY = 86_400_000;

export class ContinuousLearning {
  readonly lines: Line[] = [];
  readonly window: FeatureWindow;
  readonly worker = new RetrainWorker();
  readonly stats: LearningStats = { bars: 0, barsWhileRetraining: 0, retrains: 0, shadowPredictions: 0, onlineUpdates: 0, swaps: [] };
  private readonly gate: GateController;
  private readonly outcomes: (version: string) => Promise<Outcome[]>;
  private readonly barMs: number;

  constructor(private readonly deps: ContinuousLearningDeps, private readonly o: ContinuousLearningOptions = {}) {
    const { config } = deps;
    this.barMs = ({ '1m': 60_000, '5m': 300_000, '15m': 900_000, '1h': 3_600_000, '4h': 14_400_000, '1d': DAY } as Record<string, number>)[config.interval] ?? 3_600_000;
    const models = config.resolved.models.filter((m) => (o.models ? o.models.includes(m.id) : !m.plugin.capabilities.cheapRefit));
    const names = [...new Set(models.flatMap((m) => m.plugin.inputs(m.options)))];
    const maxDays = Math.max(1, ...models.map((m) => this.windowDays(m)));
    this.window = new FeatureWindow(names, this.barMs, Math.ceil((maxDays * DAY) / this.barMs) + Math.ceil(DAY / this.barMs) + 1);
    this.outcomes = versionOutcomes(deps.store, config.asset, { lookbackMs: o.outcomeLookbackMs ?? 60 * DAY, now: deps.now });
    this.gate = new GateController({ registry: deps.registry, outcomes: this.outcomes, ...(o.promotion ? { promotion: o.promotion } : {}), ...(o.rollback ? { rollback: o.rollback } : {}) });
    for (const m of models) {
      for (const horizon of config.horizons) {
        const key: LineKey = { asset: config.asset, horizon, name: m.id };
        const line: Line = { key, model: m, outcomeCursor: 0, bars: 0, scheduler: undefined as never };
        line.scheduler = new RetrainScheduler({
          registry: deps.registry, line: key, now: deps.now,
          retrain: (req) => this.retrain(line, req),
          ...(o.coverage !== undefined ? { coverage: o.coverage } : {}),
          ...(o.drift !== undefined ? { drift: o.drift } : {}),
          ...(o.schedule !== undefined ? { schedule: o.schedule } : {}),
          ...(o.regime !== undefined ? { regime: o.regime } : {}),
          ...(o.cooldownMs !== undefined ? { cooldownMs: o.cooldownMs } : {}),
        });
        if (o.online) line.online = new OnlineUpdater(deps.registry, this.window, this.barMs, o.online === true ? {} : o.online);
        this.lines.push(line);
      }
    }
  }

  private windowDays(m: ResolvedModel): number {
    return this.o.windowDays?.[m.id] ?? defaultWindowDays(m.plugin.name);
  }

  /** Seed the training window (batch features of the bars before the live loop) and load the aliases. */
  async init(history?: History, until?: number): Promise<void> {
    if (history) this.window.prefill(history, until);
    else await this.prefillFromStore();
    for (const line of this.lines) {
      line.champion = await this.deps.registry.resolveVersion(line.key, 'champion');
      await this.loadChallenger(line);
      // Until the first retrain, drift is measured against the window the learner starts from.
      const inputs = line.model.plugin.inputs(line.model.options);
      line.scheduler.reference = Object.fromEntries(inputs.map((f) => [f, Array.from(this.window.column(f, 720))]));
      line.outcomeCursor = this.deps.now();
    }
  }

  /** Without batch history: the bars and the live feature vectors the pipeline stored on earlier runs. */
  private async prefillFromStore(): Promise<void> {
    const { store, config } = this.deps;
    const from = this.deps.now() - this.window.capacity * this.barMs;
    const [bars, vectors] = await Promise.all([
      store.getCandles({ symbol: config.asset, interval: config.interval, from }),
      store.getFeatureVectors({ asset: config.asset, from }),
    ]);
    const byTime = new Map(vectors.map((v) => [v.time, v.values]));
    for (const b of bars) {
      const values = byTime.get(b.openTime + this.barMs);
      if (values) this.window.push(b.openTime, b.close, values);
    }
  }

  /** What `/api/v1/models/performance` shows about learning: per line, aliases in memory and retrain state. */
  status(): { line: string; champion?: string; challenger?: string; shadowForecasts: number; retraining: boolean; triggersPaused: boolean; windowBars: number }[] {
    return this.lines.map((l) => ({
      line: `${l.key.name}/${l.key.asset}/${l.key.horizon}`,
      ...(l.champion ? { champion: l.champion } : {}),
      ...(l.challenger ? { challenger: l.challenger.version } : {}),
      shadowForecasts: l.challenger?.shadowed ?? 0,
      retraining: Boolean(l.ticking),
      triggersPaused: Boolean(l.challenger),
      windowBars: this.window.length,
    }));
  }

  /**
   * The live loop's hook, called after `pipeline.onBar(bar)` returned true: reads the feature vector the
   * pipeline just published and runs `onBar`. Never waits for a retrain.
   */
  async afterBar(bar: Candle): Promise<void> {
    const v = await this.deps.cache?.get<FeatureVector>(featuresLatestKey(this.deps.config.asset));
    if (!v || v.time !== bar.openTime + this.barMs) return void this.deps.log.warn(`learning: no feature vector for the bar closing ${new Date(bar.openTime + this.barMs).toISOString()}`);
    await this.onBar(bar, v);
  }

  /** A closed bar after the pipeline predicted and scored it; `vector` is the live feature vector at its close. */
  async onBar(bar: Candle, vector: FeatureVector): Promise<void> {
    this.stats.bars++;
    if (this.lines.some((l) => l.ticking)) this.stats.barsWhileRetraining++;
    this.window.push(bar.openTime, bar.close, vector.values);
    const shadows: Prediction[] = [];
    for (const line of this.lines) {
      line.bars++;
      line.scheduler.observeClose(bar.close);
      line.scheduler.observeFeatures(vector);
      await this.feedOutcomes(line);
      if (line.challenger) {
        const p = await this.shadowPredict(line, bar, vector);
        (shadows.push(p), line.challenger.shadowed++);
        await this.cacheChallenger(line, p);
      }
      if (line.bars % (this.o.rollbackEveryBars ?? 1) === 0) await this.swapOn(line, (await this.gate.checkChampion(line.key))?.decision);
      const c = line.challenger;
      if (c && !this.underEvaluation(line) && (c.lastJudgedBar === undefined || line.bars - c.lastJudgedBar >= (this.o.gateEveryBars ?? 24))) {
        c.lastJudgedBar = line.bars;
        await this.judgeChallenger(line);
      }
      // Triggers and online updates run only when no challenger is being judged (one experiment at a time).
      if (!line.ticking && !line.challenger && line.online?.due && line.champion) await this.onlineUpdate(line);
      if (!line.ticking && !line.challenger) {
        line.ticking = line.scheduler.tick().then((r) => this.afterTick(line, r)).catch((err) => this.deps.log.error(`retrain tick ${line.key.name} ${line.key.horizon} failed`, { error: String(err) })).finally(() => (line.ticking = undefined));
      }
    }
    if (shadows.length) {
      await this.deps.store.putPredictions(shadows);
      this.stats.shadowPredictions += shadows.length;
    }
    // A local libSQL file resolves in microtasks: without one macrotask turn per bar, a fast replay would
    // never let the worker's reply in (live bars are an hour apart, so this costs nothing there).
    if (this.lines.some((l) => l.ticking)) await new Promise<void>((r) => setImmediate(r));
  }

  /** Wait for running retrains (tests, shutdown). */
  async idle(): Promise<void> {
    await Promise.all(this.lines.map((l) => l.ticking));
  }

  async close(): Promise<void> {
    await this.idle();
    await this.worker.close();
  }

  /** The champion's newly scored outcomes feed the coverage trigger. */
  private async feedOutcomes(line: Line): Promise<void> {
    if (!line.champion) return;
    const { asset, horizon, name } = line.key;
    const fresh = await this.deps.store.listOutcomes({ asset, horizon, model: name, from: line.outcomeCursor + 1 });
    for (const o of fresh) {
      line.outcomeCursor = Math.max(line.outcomeCursor, o.issuedAt);
      if (o.modelVersion === line.champion) (line.scheduler.observeOutcome(o), line.online?.observe(1));
    }
  }

  /** One online mini-batch on a copy of the champion, registered as challenger (the gates judge it). */
  private async onlineUpdate(line: Line): Promise<void> {
    let res: Awaited<ReturnType<OnlineUpdater['update']>>;
    try {
      res = await line.online!.update({ key: line.key, inputs: line.model.plugin.inputs(line.model.options), load: (b) => line.model.plugin.load(b, line.model.options) }, line.champion!, this.deps.now());
    } catch (err) {
      // A bad artifact or batch must not stop the bar loop; wait for the next 100 outcomes.
      line.online!.reset();
      return void this.deps.log.warn(`online update ${line.key.name} ${line.key.horizon} failed`, { error: String(err) });
    }
    if (!res) return;
    this.stats.onlineUpdates++;
    await this.loadChallenger(line);
    this.deps.log.info(`online update: ${line.key.name} ${line.key.horizon} ${res.version} (loss ${res.report.lossBefore.toFixed(4)} -> ${res.report.lossAfter.toFixed(4)}) enters as challenger`);
  }

  /**
   * The served copy of a challenger forecast, for canary callers: cached under the challenger's version,
   * tagged with it (the stored row stays the `.shadow` one, which is what the gates score).
   */
  private async cacheChallenger(line: Line, p: Prediction): Promise<void> {
    if (!this.deps.cache || line.model.id !== this.deps.config.servedModel) return;
    const version = line.challenger!.version;
    const { shadow: _s, served: _v, ...meta } = p.metadata as Record<string, unknown>;
    await this.deps.cache.set(latestVersionKey(line.key.asset, line.key.horizon, version), { ...p, modelVersion: version, metadata: { ...meta, model: line.model.id, arm: 'challenger' } });
  }

  /** At start: the challenger's forecast for the newest bar, so canary callers need not wait a bar. */
  async primeCanary(bar: Candle | undefined): Promise<void> {
    const v = bar && (await this.deps.cache?.get<FeatureVector>(featuresLatestKey(this.deps.config.asset)));
    if (!bar || !v || v.time !== bar.openTime + this.barMs) return;
    for (const line of this.lines) if (line.challenger && line.model.id === this.deps.config.servedModel) await this.cacheChallenger(line, await this.shadowPredict(line, bar, v));
  }

  /**
   * Who serves `principal` (API key id, JWT subject, or address) on the served model's line at `horizon`:
   * undefined when the served model is not a registry line with a champion. Pure and synchronous (the
   * aliases are held in memory), so the hot path pays one hash.
   */
  route(principal: string, horizon: Horizon, now: number): RouteRecord | undefined {
    const line = this.lines.find((l) => l.key.name === this.deps.config.servedModel && l.key.horizon === horizon);
    if (!line?.champion) return undefined;
    const c = line.challenger?.version;
    const t = this.o.traffic ?? { kind: 'shadow' };
    if (!c) return route({ kind: 'champion', champion: line.champion }, principal, now);
    if (t.kind === 'canary') return route({ kind: 'canary', experimentId: c, champion: line.champion, challenger: c, ...(t.share !== undefined ? { share: t.share } : {}) }, principal, now);
    return route({ kind: 'shadow', champion: line.champion, shadow: c }, principal, now);
  }

  private async shadowPredict(line: Line, bar: Candle, vector: FeatureVector): Promise<Prediction> {
    const c = line.challenger!;
    const inputs = line.model.plugin.inputs(line.model.options);
    const asOf = bar.openTime + this.barMs;
    const features = Object.fromEntries(inputs.map((f) => [f, Float64Array.of(vector.values[f] ?? Number.NaN)]));
    const [f] = checkForecasts(line.model.id, 1, await c.model.predict({ horizon: line.key.horizon, times: Float64Array.of(asOf), features }));
    const p = toPrediction(f!, {
      asset: line.key.asset, horizon: line.key.horizon, issuedAt: asOf, lastPrice: bar.close, modelId: line.model.id + SHADOW_SUFFIX, modelVersion: shadowTag(c.version),
      confidenceThreshold: this.deps.config.confidenceThreshold, missingInputs: inputs.filter((x) => !Number.isFinite(vector.values[x] ?? Number.NaN)),
    });
    return { ...p, metadata: { ...p.metadata, shadow: true, served: false } };
  }

  /**
   * The challenger still collects the paired outcomes the gate needs (cheap count: shadow forecasts
   * issued, less one horizon of unscored ones) and is younger than `maxChallengerAgeMs`.
   */
  private underEvaluation(line: Line): boolean {
    const c = line.challenger;
    if (!c || !line.champion) return false;
    const unscored = Math.ceil(HORIZON_MS[line.key.horizon] / this.barMs);
    return c.shadowed - unscored < (this.o.promotion?.minSamples ?? 200) && this.deps.now() - c.since < (this.o.maxChallengerAgeMs ?? 14 * DAY);
  }

  private async retrain(line: Line, req: import('@satcast/registry').RetrainRequest) {
    const m = line.model;
    this.stats.retrains++;
    return retrainLine(req, m, this.window, this.worker, {
      windowBars: Math.round((this.windowDays(m) * DAY) / this.barMs),
      validationShare: this.o.validationShare ?? 0.1,
      minRows: this.o.minRows ?? 200,
      module: this.o.modelModules?.[m.plugin.name] ?? DEFAULT_MODEL_MODULES[m.plugin.name] ?? `@satcast/plugin-${m.plugin.name}`,
      referenceRows: 720,
      codeVersion: this.o.codeVersion ?? '0.1.0',
    }, m.plugin.inputs(m.options));
  }

  private async pairedCount(line: Line): Promise<number> {
    if (!line.champion || !line.challenger) return 0;
    const [a, b] = await Promise.all([this.outcomes(line.champion), this.outcomes(line.challenger.version)]);
    const issued = new Set(a.map((o) => o.issuedAt));
    return b.filter((o) => issued.has(o.issuedAt)).length;
  }

  private async afterTick(line: Line, r: TickResult): Promise<void> {
    if (r.action !== 'retrained' || !r.registered) return;
    await this.loadChallenger(line);
    // The very first version of a line has no champion to beat: the gate installs it.
    if (!line.champion) await this.judgeChallenger(line);
  }

  private async loadChallenger(line: Line): Promise<void> {
    const m = await this.deps.registry.resolve(line.key, 'challenger');
    if (!m) return void (line.challenger = undefined);
    if (line.challenger?.version === m.version) return;
    line.challenger = { version: m.version, model: await line.model.plugin.load(m.serialized, line.model.options), since: m.createdAt, shadowed: 0 };
  }

  /** Promote on evidence; a challenger that had its full sample (or its time) and lost is archived. */
  private async judgeChallenger(line: Line): Promise<void> {
    const c = line.challenger;
    if (!c) return;
    const need = this.o.promotion?.minSamples ?? 200;
    const old = this.deps.now() - c.since >= (this.o.maxChallengerAgeMs ?? 14 * DAY);
    if (line.champion && !old && (await this.pairedCount(line)) < need) return;
    const res = await this.gate.evaluateChallenger(line.key);
    if (!res) return;
    if (res.verdict.promote) return this.swapOn(line, res.decision);
    await this.deps.registry.archive(c.version, `rejected by the promotion gate: ${res.verdict.reason}`, { actor: 'gate', numbers: res.verdict.numbers });
    line.challenger = undefined;
  }

  /** Apply a promote/rollback decision made outside the loop (CLI, an operator) to the pipeline. */
  async apply(d: Decision): Promise<void> {
    const line = this.lines.find((l) => l.key.name === d.name && l.key.horizon === d.horizon && l.key.asset === d.asset);
    if (!line) return;
    await this.swapOn(line, d);
    await this.loadChallenger(line);
  }

  /** Apply a promote/rollback decision to the pipeline (exact registry bytes, verified). */
  private async swapOn(line: Line, d: Decision | undefined): Promise<void> {
    if (!d || (d.action !== 'promote' && d.action !== 'rollback') || !d.toVersion) return;
    const m = await this.deps.registry.get(d.toVersion);
    await this.deps.swapModel(line.key.name, line.key.horizon, d.toVersion.slice(d.toVersion.indexOf('@') + 1), m.serialized);
    line.champion = d.toVersion;
    if (line.challenger?.version === d.toVersion) line.challenger = undefined;
    this.stats.swaps.push({ at: d.at, line: `${line.key.name}/${line.key.horizon}`, version: d.toVersion, action: d.action });
    this.deps.log.info(`${d.action}: ${line.key.name} ${line.key.horizon} now serves ${d.toVersion} (${d.reason})`);
  }
}

type Outcome = import('@satcast/core').Outcome;
