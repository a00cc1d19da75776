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
  DAY,
  createPluginContext,
  HORIZON_MS,
  INTERVAL_MS,
  logReturnTargets,
  scorePrediction,
  sequenceContext,
  type EnsembleConfig,
  type ReturnForecast,
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
  type SerializedModel,
  type Store,
  type TrainingSet,
} from '@satcast/core';
import { toPrediction } from './forecast.js';
import { loadChampion } from '../train/artifacts.js';
import { ServingLayer, VolRegimes } from './serving-layer.js';
import { onnxServedModel } from './onnx-serving.js';
import { walkForward } from '../backtest/walk-forward.js';
import { createCombiner, type Combiner } from '../ensemble/combiner.js';
import type { History } from '../backtest/history.js';

/** Days of recent history the serving layer is warmed up on at start (out-of-sample, walk-forward). */
export const LAYER_WARMUP_DAYS = 90;
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
  /**
   * Where trained artifacts come from (default: the newest champion `satcast train` recorded in the store).
   * The model registry plugs in here.
   */
  champions?: ChampionSource;
}

/** The trained artifact to serve for a model and horizon, if any. */
export type ChampionSource = (modelId: string, horizon: Horizon) => Promise<{ version: string; blob: SerializedModel } | undefined>;

export interface PipelineStatus {
  bars: number;
  lastBarOpenTime?: number;
  lastIssuedAt?: number;
  predictionsWritten: number;
  outcomesScored: number;
}

export const latestKey = (asset: string, horizon: Horizon) => `predictions:latest:${asset}:${horizon}`;
/** The latest prediction of one registry version (a canary challenger), beside the served one. */
export const latestVersionKey = (asset: string, horizon: Horizon, version: string) => `${latestKey(asset, horizon)}:${version}`;

interface ModelSlot {
  id: string;
  model?: Model;
  /** Version of a trained artifact being served (`satcast train`), else the model refits in process. */
  version?: string;
  cheapRefit: boolean;
  inputs: string[];
  /** Bars a forecast reads (sequence models); the earlier ones are passed as `context`. */
  sequenceLength?: number;
  create(): Promise<Model>;
}

export class Pipeline {
  private bars: Candle[] = [];
  private closeByOpen = new Map<number, number>();
  /** Closes aligned with bars (the serving layer's volatility regimes read them). */
  private readonly closes: number[] = [];
  private readonly features: FeatureRuntime;
  private get cols(): Record<string, number[]> {
    return this.features.cols;
  }
  private slots = new Map<string, ModelSlot>();
  /** Serving layer of the served model per horizon, and the last bar index it recorded. */
  private layers = new Map<Horizon, { layer: ServingLayer; lastRow: number }>();
  /** Combiner of each configured ensemble per horizon (`id:horizon`), and the last bar index it recorded. */
  private combiners = new Map<string, { combiner: Combiner; lastRow: number }>();
  private get ensembles(): EnsembleConfig[] {
    return this.deps.config.ensembles.filter((e) => e.enabled);
  }
  readonly status: PipelineStatus = { bars: 0, predictionsWritten: 0, outcomesScored: 0 };
  private readonly barMs: number;

  private readonly champions: ChampionSource;

  constructor(private readonly deps: PipelineDeps) {
    this.champions =
      deps.champions ??
      (async (id, h) => {
        const c = await loadChampion(deps.store, id, h);
        return c && { version: c.card.version, blob: c.blob };
      });
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
    for (const b of this.bars) (this.closeByOpen.set(b.openTime, b.close), this.closes.push(b.close));
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
          ...(m.plugin.capabilities.sequenceLength ? { sequenceLength: m.plugin.capabilities.sequenceLength } : {}),
          create: async () => m.plugin.create(m.options, createPluginContext({ log: this.deps.log })),
        });
      }
    });
    this.ensembles.forEach((e) => {
      if (e.shock && !this.cols[e.shock.feature]) {
        throw new ConfigError(`ensemble "${e.id}" reads shock feature "${e.shock.feature}", which no configured feature set produces (add { plugin: "shock" } to features)`, {
          field: `ensembles[${config.ensembles.indexOf(e)}].shock.feature`,
        });
      }
    });
    // Serve the newest trained artifact of each model that is not refitted per bar.
    for (const m of config.resolved.models) {
      if (m.plugin.capabilities.cheapRefit) continue;
      for (const h of config.horizons) {
        const champion = await this.champions(m.id, h);
        if (!champion) continue;
        const slot = this.slots.get(`${m.id}:${h}`)!;
        slot.model = await this.loadArtifact(m, h, champion.blob);
        slot.version = champion.version;
        this.deps.log.info(`serving ${m.id} ${h} from trained artifact ${champion.version}`);
      }
    }
    await this.warmServingLayer();
    this.status.bars = this.bars.length;
    this.status.lastBarOpenTime = this.bars.at(-1)!.openTime;
  }

  /** Warm the serving layers for live serving: the first live band is already adapted, pUp recalibrated. */
  private async warmServingLayer(): Promise<void> {
    const end = this.bars.length;
    const warm = await this.warmLayers(end, this.deps.config.horizons);
    for (const [h, layer] of warm.layers) this.layers.set(h, { layer, lastRow: end - 2 });
    for (const [key, combiner] of warm.combiners) this.combiners.set(key, { combiner, lastRow: end - 2 });
  }

  /**
   * Serving layers as of the close of bar `end - 1`: the served model walked forward over the
   * LAYER_WARMUP_DAYS before it (the same code as `satcast backtest`), using bars [0, end) only. The bar
   * `end - 1` itself is left for the caller to issue.
   */
  private async warmLayers(end: number, horizons: readonly Horizon[]): Promise<{ layers: Map<Horizon, ServingLayer>; combiners: Map<string, Combiner> }> {
    const { config } = this.deps;
    const ensembles = this.ensembles;
    // The served model, or every ensemble member (all ensembles are warmed together: they share members).
    const ids = new Set([...(ensembles.some((e) => e.id === config.servedModel) ? [] : [config.servedModel]), ...ensembles.flatMap((e) => e.members)]);
    const models = config.resolved.models.filter((m) => ids.has(m.id));
    const inputs = [...new Set([...models.flatMap((m) => m.plugin.inputs(m.options)), ...ensembles.flatMap((e) => (e.shock ? [e.shock.feature] : []))])];
    const bars = this.bars.slice(0, end);
    const closes = this.closes.slice(0, end);
    const history: History = {
      bars,
      cols: Object.fromEntries(inputs.map((f) => [f, Float64Array.from(this.cols[f]!.slice(0, end))])),
      openTime: Float64Array.from(bars, (b) => b.openTime),
      close: Float64Array.from(closes),
      barMs: this.barMs,
      quarantined: {},
    };
    const lastClose = bars[end - 1]!.openTime + this.barMs;
    const from = Math.max(history.openTime[0]! + this.barMs + 30 * DAY, lastClose - LAYER_WARMUP_DAYS * DAY);
    const out = new Map<Horizon, ServingLayer>();
    const combiners = new Map<string, Combiner>();
    if (from >= lastClose - 1) {
      for (const h of horizons) {
        out.set(h, new ServingLayer(new VolRegimes(this.closes)));
        for (const e of ensembles) combiners.set(`${e.id}:${h}`, createCombiner(e));
      }
      return { layers: out, combiners };
    }
    const results = await walkForward(history, {
      horizons,
      models: models.map((m) => ({ id: m.id, plugin: m.plugin as never, options: m.options })),
      ensembles,
      servedModel: config.servedModel,
      from,
      to: lastClose - 1,
      refitEveryMs: 30 * DAY,
      cheapRefitEveryMs: DAY,
      window: 'sliding',
      trainRows: TRAIN_ROWS,
      warmupMs: 0,
      confidenceThreshold: config.confidenceThreshold,
      aciGamma: 0.005,
      log: this.deps.log,
      // Regimes read the live closes array, which grows as bars arrive.
      regimes: new VolRegimes(this.closes),
    });
    for (const r of results) {
      out.set(r.horizon, r.layer);
      for (const [id, c] of Object.entries(r.combiners)) combiners.set(`${id}:${r.horizon}`, c);
    }
    return { layers: out, combiners };
  }

  /**
   * Swap the model serving `modelId` at `horizon` (a promotion or rollback): later predictions come from it,
   * tagged with `version`. Serving never pauses: the swap is one assignment between two bars.
   */
  async swapModel(modelId: string, horizon: Horizon, version: string, blob: SerializedModel): Promise<void> {
    const slot = this.slots.get(`${modelId}:${horizon}`);
    if (!slot) throw new ConfigError(`no configured model "${modelId}" for horizon ${horizon}`);
    const m = this.deps.config.resolved.models.find((x) => x.id === modelId)!;
    const model = await this.loadArtifact(m, horizon, blob);
    slot.model = model;
    slot.version = version;
  }

  /**
   * A trained artifact as a servable model: ONNX artifacts with Satcast calibration run in onnxruntime-node
   * (CPU here); anything else, or a runtime failure, loads through the model's own plugin.
   */
  private async loadArtifact(m: ResolvedConfig['resolved']['models'][number], horizon: Horizon, blob: SerializedModel): Promise<Model> {
    const o = (m.options ?? {}) as { volFeature?: string; barMs?: number };
    try {
      const served = await onnxServedModel(blob, {
        inputs: m.plugin.inputs(m.options),
        volFeature: o.volFeature ?? 'ewma_vol',
        barMs: o.barMs ?? this.barMs,
        horizon,
        log: this.deps.log,
      });
      if (served) return served;
    } catch (err) {
      this.deps.log.warn(`${m.id} ${horizon}: onnxruntime-node could not load the artifact (${(err as Error).message}); serving it through the plugin`);
    }
    return m.plugin.load(blob, m.options);
  }

  /** Each ensemble's current member weights per horizon (/api/v1/models/performance). */
  ensembleWeights(): { id: string; method: string; members: string[]; weights: Partial<Record<Horizon, Record<string, number>>> }[] {
    return this.ensembles.map((e) => ({
      id: e.id,
      method: e.method,
      members: [...e.members],
      weights: Object.fromEntries(this.deps.config.horizons.flatMap((h) => {
        const c = this.combiners.get(`${e.id}:${h}`);
        return c ? [[h, c.combiner.weights()]] : [];
      })),
    }));
  }

  /** Feature columns aligned with the bars, read-only (monitors: drift, feature anomalies). */
  featureColumns(): Readonly<Record<string, readonly number[]>> {
    return this.cols;
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
    this.closes.push(bar.close);
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
      const raw: Record<string, ReturnForecast> = {};
      for (const slot of slots) {
        if (!slot.model || slot.cheapRefit) {
          const model = slot.model ?? (await slot.create());
          await model.fit(pick(train!, slot.inputs));
          slot.model = model;
        }
        const { forecast, missingInputs } = await this.rawForecast(slot, slot.model, horizon, end);
        raw[slot.id] = forecast;
        out.push(this.finish(slot.id, slot.version, forecast, horizon, end, slot.id === config.servedModel ? this.layers.get(horizon) : undefined, true, missingInputs));
      }
      for (const e of this.ensembles) out.push(this.combine(e, raw, horizon, end, this.combiners.get(`${e.id}:${horizon}`)!, e.id === config.servedModel ? this.layers.get(horizon) : undefined, true));
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
    const servedId = this.deps.config.servedModel;
    const ensemble = this.ensembles.find((e) => e.id === servedId);
    const ids = ensemble ? ensemble.members : [servedId];
    const fitted: { slot: ModelSlot; model: Model }[] = [];
    for (const id of ids) {
      const slot = this.slots.get(`${id}:${horizon}`);
      if (!slot) return undefined;
      const model = await slot.create();
      await model.fit(pick(this.trainingSet(horizon, asOf, end, slot.inputs), slot.inputs));
      fitted.push({ slot, model });
    }
    // The serving layer (and combiners) as a pipeline started at that close would have them (warmed on the data before it).
    const warm = await this.warmLayers(end, [horizon]);
    const layer = { layer: warm.layers.get(horizon)!, lastRow: end - 2 };
    let p: Prediction;
    if (ensemble) {
      const raw: Record<string, ReturnForecast> = {};
      for (const { slot, model } of fitted) raw[slot.id] = (await this.rawForecast(slot, model, horizon, end)).forecast;
      p = this.combine(ensemble, raw, horizon, end, { combiner: warm.combiners.get(`${ensemble.id}:${horizon}`)!, lastRow: end - 2 }, layer, false);
    } else {
      const { slot, model } = fitted[0]!;
      const { forecast, missingInputs } = await this.rawForecast(slot, model, horizon, end);
      p = this.finish(slot.id, slot.version, forecast, horizon, end, layer, false, missingInputs);
    }
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

  /** The raw forecast of `model` from the features of bar `end - 1` (and the inputs missing there). */
  private async rawForecast(slot: ModelSlot, model: Model, horizon: Horizon, end: number): Promise<{ forecast: ReturnForecast; missingInputs: string[] }> {
    const asOf = this.bars[end - 1]!.openTime + this.barMs;
    const features = Object.fromEntries(slot.inputs.map((f) => [f, Float64Array.of(this.cols[f]![end - 1]!)]));
    const missingInputs = slot.inputs.filter((f) => !Number.isFinite(this.cols[f]![end - 1]!));
    const context = slot.sequenceLength && slot.sequenceLength > 1
      ? sequenceContext(this.cols, (i) => this.bars[i]!.openTime + this.barMs, slot.inputs, end - 1, slot.sequenceLength)
      : undefined;
    const forecasts = checkForecasts(slot.id, 1, await model.predict({ horizon, times: Float64Array.of(asOf), features, ...(context ? { context } : {}) }));
    return { forecast: forecasts[0]!, missingInputs };
  }

  /** Realised log return of bar `row` over `hMs`, once public. */
  private realized(hMs: number): (row: number) => number | undefined {
    return (row) => {
      const later = this.closeByOpen.get(this.bars[row]!.openTime + hMs);
      return later === undefined ? undefined : Math.log(later / this.bars[row]!.close);
    };
  }

  /** An ensemble's forecast of bar `end - 1` from its members' raw forecasts, as a public Prediction. */
  private combine(
    e: EnsembleConfig,
    raw: Record<string, ReturnForecast>,
    horizon: Horizon,
    end: number,
    state: { combiner: Combiner; lastRow: number },
    layer: { layer: ServingLayer; lastRow: number } | undefined,
    record: boolean,
  ): Prediction {
    const asOf = this.bars[end - 1]!.openTime + this.barMs;
    const hMs = HORIZON_MS[horizon];
    const members = Object.fromEntries(e.members.filter((id) => raw[id]).map((id) => [id, raw[id]!]));
    state.combiner.resolve(asOf, this.realized(hMs));
    const anomaly = e.shock ? this.cols[e.shock.feature]![end - 1]! : undefined;
    // A bar is recorded once; predicting it again only re-applies (as the serving layer does).
    const fresh = record && state.lastRow < end - 1;
    const combined = state.combiner.issue(end - 1, asOf, asOf + hMs, members, anomaly, fresh);
    if (record) state.lastRow = end - 1;
    const missing = e.members.filter((id) => !raw[id]);
    return this.finish(e.id, undefined, combined, horizon, end, layer, record, missing.map((id) => `model:${id}`));
  }

  /** A raw forecast of bar `end - 1` through the serving layer (for the served id) into a public Prediction. */
  private finish(
    id: string,
    version: string | undefined,
    raw: ReturnForecast,
    horizon: Horizon,
    end: number,
    served: { layer: ServingLayer; lastRow: number } | undefined,
    record: boolean,
    missingInputs: readonly string[],
  ): Prediction {
    const bar = this.bars[end - 1]!;
    const asOf = bar.openTime + this.barMs;
    let forecast = raw;
    if (served && served.lastRow <= end - 1) {
      const hMs = HORIZON_MS[horizon];
      served.layer.resolve(asOf, this.realized(hMs));
      // A bar is recorded once; predicting it again (e.g. start, then a repeated call) only re-applies.
      forecast = served.layer.issue(end - 1, asOf, asOf + hMs, forecast, record && served.lastRow < end - 1);
      if (record) served.lastRow = end - 1;
    }
    return toPrediction(forecast, {
      asset: this.deps.config.asset,
      horizon,
      issuedAt: asOf,
      lastPrice: bar.close,
      modelId: id,
      modelVersion: version ? `${id}@${version}` : `${id}@refit-${asOf}`,
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
