/**
 * The live pipeline for one asset: closed bar -> incremental features -> models -> predictions ->
 * store + cache + bus, and scoring of predictions whose target time has passed. Batch (init) and live
 * (onBar) call the same feature and model plugins; only the driver differs.
 *
 * Point-in-time: a model fitted at time t sees only rows whose target was public at t
 * (openTime + bar + horizon <= t); the row it predicts is the newest closed bar.
 */
import {
  ConfigError,
  checkForecasts,
  createPluginContext,
  HORIZON_MS,
  INTERVAL_MS,
  logReturnTargets,
  scorePrediction,
  toCandleFrame,
  TOPICS,
  type Bus,
  type Cache,
  type Candle,
  type Horizon,
  type Logger,
  type Model,
  type Prediction,
  type ResolvedConfig,
  type Store,
  type TrainingSet,
} from '@satcast/core';
import { toPrediction } from './forecast.js';
import { loadChampion } from '../train/artifacts.js';
import { FeatureRuntime, type FeatureHealth } from './features.js';

/** Rows of history given to a model at each refit (trailing window; models may use fewer). */
export const TRAIN_ROWS = 6000;

export interface PipelineDeps {
  config: ResolvedConfig;
  store: Store;
  cache: Cache;
  bus: Bus;
  log: Logger;
  /** Called after each prediction round with its wall time (metrics). */
  onPredicted?: (predictions: readonly Prediction[], ms: number) => void;
}

export interface PipelineStatus {
  bars: number;
  lastBarOpenTime?: number;
  lastIssuedAt?: number;
  predictionsWritten: number;
  outcomesScored: number;
}

export const latestKey = (asset: string, horizon: Horizon) => `predictions:latest:${asset}:${horizon}`;

interface ModelSlot {
  id: string;
  model?: Model;
  /** Version of a trained artifact being served (`satcast train`), else the model refits in process. */
  version?: string;
  cheapRefit: boolean;
  inputs: string[];
  create(): Promise<Model>;
}

export class Pipeline {
  private bars: Candle[] = [];
  private closeByOpen = new Map<number, number>();
  private readonly features: FeatureRuntime;
  private get cols(): Record<string, number[]> {
    return this.features.cols;
  }
  private slots = new Map<string, ModelSlot>();
  readonly status: PipelineStatus = { bars: 0, predictionsWritten: 0, outcomesScored: 0 };
  private readonly barMs: number;

  constructor(private readonly deps: PipelineDeps) {
    this.barMs = INTERVAL_MS[deps.config.interval];
    this.features = new FeatureRuntime(deps);
  }

  /** Load stored history, compute batch features, and check every model has its inputs. */
  async init(): Promise<void> {
    const { config, store } = this.deps;
    this.bars = await store.getCandles({ symbol: config.asset, interval: config.interval });
    if (this.bars.length === 0) {
      throw new ConfigError(`no ${config.asset} ${config.interval} candles in the store; check the configured sources`);
    }
    for (const b of this.bars) this.closeByOpen.set(b.openTime, b.close);
    await this.features.init(this.bars, toCandleFrame(this.bars));
    const last = this.bars.length - 1;
    await this.features.publish(this.features.vector(config.asset, this.bars[last]!.openTime + this.barMs, last), true);
    config.resolved.models.forEach((m, index) => {
      const inputs = m.plugin.inputs(m.options);
      const missing = inputs.filter((f) => !this.cols[f]);
      if (missing.length) {
        throw new ConfigError(
          `model "${m.id}" needs feature(s) ${missing.join(', ')} that no configured feature set produces`,
          { field: `models[${index}].options` },
        );
      }
      for (const h of config.horizons) {
        if (!m.plugin.capabilities.horizons.includes(h)) {
          throw new ConfigError(`model "${m.id}" does not support horizon ${h}`, { field: `models[${index}]` });
        }
        this.slots.set(`${m.id}:${h}`, {
          id: m.id,
          cheapRefit: m.plugin.capabilities.cheapRefit,
          inputs,
          create: async () => m.plugin.create(m.options, createPluginContext({ log: this.deps.log })),
        });
      }
    });
    // Serve the newest trained artifact of each model that is not refitted per bar.
    for (const m of config.resolved.models) {
      if (m.plugin.capabilities.cheapRefit) continue;
      for (const h of config.horizons) {
        const champion = await loadChampion(store, m.id, h);
        if (!champion) continue;
        const slot = this.slots.get(`${m.id}:${h}`)!;
        slot.model = await m.plugin.load(champion.blob, m.options);
        slot.version = champion.card.version;
        this.deps.log.info(`serving ${m.id} ${h} from trained artifact ${champion.card.version}`);
      }
    }
    this.status.bars = this.bars.length;
    this.status.lastBarOpenTime = this.bars.at(-1)!.openTime;
  }

  /** Missing-value ratio of every feature after its warm-up (health, metrics). */
  featureHealth(): FeatureHealth[] {
    return this.features.healthReport();
  }

  get lastBar(): Candle | undefined {
    return this.bars.at(-1);
  }

  /** A newly closed bar. Returns false (and does nothing) for a bar at or before the newest one. */
  async onBar(bar: Candle): Promise<boolean> {
    const last = this.bars.at(-1);
    if (last && bar.openTime <= last.openTime) return false;
    this.bars.push(bar);
    this.closeByOpen.set(bar.openTime, bar.close);
    const asOf = bar.openTime + this.barMs;
    await this.features.update(bar, asOf);
    await this.features.publish(this.features.vector(this.deps.config.asset, asOf, this.bars.length - 1), true);
    this.status.bars = this.bars.length;
    this.status.lastBarOpenTime = bar.openTime;
    await this.predict();
    await this.scoreOutcomes();
    return true;
  }

  /** Fit (where cheap) and predict every model and horizon as of the newest bar. */
  async predict(): Promise<Prediction[]> {
    const t0 = performance.now();
    const { config, store, cache, bus } = this.deps;
    const end = this.bars.length;
    const asOf = this.bars[end - 1]!.openTime + this.barMs;
    const out: Prediction[] = [];
    for (const horizon of config.horizons) {
      const slots = [...this.slots].filter(([key]) => key.endsWith(`:${horizon}`)).map(([, slot]) => slot);
      // Copy only the columns the models refitted now read (the ta set alone has 120+).
      const refit = slots.filter((slot) => !slot.model || slot.cheapRefit);
      const train = refit.length ? this.trainingSet(horizon, asOf, end, new Set(refit.flatMap((slot) => slot.inputs))) : undefined;
      for (const slot of slots) {
        if (!slot.model || slot.cheapRefit) {
          const model = slot.model ?? (await slot.create());
          await model.fit(pick(train!, slot.inputs));
          slot.model = model;
        }
        out.push(await this.forecast(slot, slot.model, horizon, end));
      }
    }
    await store.putPredictions(out);
    const served = out.filter((p) => p.metadata.model === config.servedModel);
    for (const p of served) await cache.set(latestKey(config.asset, p.horizon), p);
    await bus.publish(TOPICS.predictions, config.asset, served);
    this.status.predictionsWritten += out.length;
    this.status.lastIssuedAt = asOf;
    this.deps.onPredicted?.(out, performance.now() - t0);
    return out;
  }

  /**
   * On-demand prediction of the served model as of a past time `t`: a fresh model fitted only on what was
   * public at the close of the newest bar at or before `t` (the same code path as live). Not stored.
   * Returns undefined when no bar had closed by `t`.
   */
  async predictAt(t: number, horizon: Horizon): Promise<Prediction | undefined> {
    const end = this.barsClosedBy(t);
    if (end === 0) return undefined;
    const asOf = this.bars[end - 1]!.openTime + this.barMs;
    const slot = this.slots.get(`${this.deps.config.servedModel}:${horizon}`);
    if (!slot) return undefined;
    const model = await slot.create();
    await model.fit(pick(this.trainingSet(horizon, asOf, end, slot.inputs), slot.inputs));
    const p = await this.forecast(slot, model, horizon, end);
    return { ...p, metadata: { ...p.metadata, onDemand: true, requestedAsOf: t } };
  }

  /** Number of bars whose close is at or before `t` (binary search; bars are ascending). */
  private barsClosedBy(t: number): number {
    let lo = 0;
    let hi = this.bars.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.bars[mid]!.openTime + this.barMs <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Forecast of `model` from the features of bar `end - 1`, as a public Prediction. */
  private async forecast(slot: ModelSlot, model: Model, horizon: Horizon, end: number): Promise<Prediction> {
    const bar = this.bars[end - 1]!;
    const asOf = bar.openTime + this.barMs;
    const features = Object.fromEntries(slot.inputs.map((f) => [f, Float64Array.of(this.cols[f]![end - 1]!)]));
    const missingInputs = slot.inputs.filter((f) => !Number.isFinite(this.cols[f]![end - 1]!));
    const forecasts = checkForecasts(slot.id, 1, await model.predict({ horizon, times: Float64Array.of(asOf), features }));
    return toPrediction(forecasts[0]!, {
      asset: this.deps.config.asset,
      horizon,
      issuedAt: asOf,
      lastPrice: bar.close,
      modelId: slot.id,
      modelVersion: slot.version ? `${slot.id}@${slot.version}` : `${slot.id}@refit-${asOf}`,
      confidenceThreshold: this.deps.config.confidenceThreshold,
      missingInputs,
    });
  }

  /** Score every stored prediction whose target bar has closed. */
  async scoreOutcomes(): Promise<number> {
    const { config, store } = this.deps;
    const last = this.bars.at(-1)!;
    const asOf = last.openTime + this.barMs;
    const pending = await store.unscoredPredictions({ asset: config.asset, asOf, limit: 5000 });
    const outcomes = pending.flatMap((p) => {
      const realized = this.closeByOpen.get(p.targetTime - this.barMs);
      return realized === undefined ? [] : [scorePrediction(p, realized, asOf)];
    });
    if (outcomes.length) await store.putOutcomes(outcomes);
    this.status.outcomesScored += outcomes.length;
    return outcomes.length;
  }

  /** Rows [end - TRAIN_ROWS, end) of the `names` columns, targets only where public at `asOf` (else NaN). */
  private trainingSet(horizon: Horizon, asOf: number, end: number, names: Iterable<string>): TrainingSet {
    const start = Math.max(0, end - TRAIN_ROWS);
    const rows = this.bars.slice(start, end);
    const openTime = rows.map((b) => b.openTime);
    const h = HORIZON_MS[horizon];
    const target = logReturnTargets(openTime, rows.map((b) => b.close), h);
    for (let i = 0; i < rows.length; i++) if (openTime[i]! + this.barMs + h > asOf) target[i] = Number.NaN;
    const features: Record<string, Float64Array> = {};
    for (const name of names) features[name] = Float64Array.from(this.cols[name]!.slice(start, end));
    return { horizon, times: Float64Array.from(openTime, (t) => t + this.barMs), features, target };
  }
}

/**
 * The model's input columns only, and no target on rows where any input is missing (warm-up, a series
 * not yet published): a model never learns from a row it could not have been given whole.
 */
function pick(train: TrainingSet, inputs: readonly string[]): TrainingSet {
  const features = Object.fromEntries(inputs.map((f) => [f, train.features[f]!]));
  const target = train.target.slice();
  const cols = Object.values(features);
  for (let i = 0; i < target.length; i++) if (cols.some((c) => !Number.isFinite(c[i]!))) target[i] = Number.NaN;
  return { ...train, features, target };
}
