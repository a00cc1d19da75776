/**
 * What the operator rules look at, gathered from the running system into an `OperatorSnapshot`:
 *
 * - coverage — live 90% band coverage of the served model from stored outcomes (`liveScores`, the same
 *   numbers as `/api/v1/scores` and `satcast_live_coverage90`);
 * - confidence — of the served prediction set just issued;
 * - components — store and cache answer, the served model produced every horizon, and each source is
 *   fresh (`freshness`: newest event no older than its interval + publication lag + grace, where a
 *   candle's lag is its own interval: a 1h bar opened at 10:00 is due at 11:00, the next at 12:00, so
 *   with the default 1 h grace the source is stale from 13:00) and not reported down by its own health;
 * - anomalies — the newest bar's close-to-close log return of every candle series the sources declare,
 *   and the newest value of the watched features, as z-scores against their trailing window. A series
 *   without a new bar since the last look is left out (no data is not "all clear" to the engine).
 *
 * Times are on the data clock: `now` is the close of the newest bar (the predictions' `issuedAt`), so a
 * replay of 2024 history judges freshness as it would have been judged live, and tests are repeatable.
 */
import { DAY, INTERVAL_MS, type Cache, type Prediction, type ResolvedConfig, type Store } from '@satcast/core';
import { freshness, zScore, type OperatorSnapshot } from '@satcast/plugin-alerting';
import { latestKey } from '../pipeline/runtime.js';
import { liveScores } from '../metrics/scores.js';

/** A source as the runner reports it (the fields the snapshot uses). */
export interface SourceView {
  id: string;
  lastEventTime?: number;
  errors: number;
  lastError?: string;
  /** False while a source says it cannot deliver (banned, circuit open, disconnected). */
  ready?: boolean;
}

export interface SnapshotDeps {
  config: ResolvedConfig;
  store: Store;
  cache: Cache;
  sources: () => readonly SourceView[];
  /** Feature columns aligned with the pipeline's bars (for feature anomalies), if available. */
  featureColumns?: () => Readonly<Record<string, ArrayLike<number>>> | undefined;
}

type Anomaly = { source: string; series: string; z: number };
type Component = { component: string; ok: boolean; detail?: string };

interface SourceClock {
  intervalMs: number;
  lagMs: number;
  candles: { symbol: string; interval: keyof typeof INTERVAL_MS }[];
}

export class SnapshotBuilder {
  /** Newest event time per source seen on the bus (the runner's own view is merged in). */
  private readonly seen = new Map<string, number>();
  /** Newest bar already scored for anomalies, per candle series. */
  private readonly lastBar = new Map<string, number>();
  private readonly clocks = new Map<string, SourceClock>();
  private readonly watched: string[];

  constructor(private readonly deps: SnapshotDeps) {
    const { config } = deps;
    for (const ref of config.resolved.sources) {
      const decl = ref.plugin.series(ref.options as never);
      const candles = decl.flatMap((d) => (d.kind === 'candles' ? [{ symbol: d.symbol, interval: d.interval }] : []));
      const lags = decl.flatMap((d) => (d.kind === 'observations' ? [d.publicationLag] : []));
      // Observation series declare no period; a day is the common one (fear-greed, on-chain, FRED dailies).
      const intervalMs = candles.length ? Math.min(...candles.map((c) => INTERVAL_MS[c.interval])) : DAY;
      // A candle's event time is its open; it is published at its close, one interval later.
      const lagMs = Math.max(candles.length ? intervalMs : 0, ...lags);
      this.clocks.set(ref.id, { intervalMs, lagMs, candles });
    }
    const served = config.resolved.models.find((m) => m.id === config.servedModel);
    this.watched = config.alerting.anomalyFeatures ?? (served ? served.plugin.inputs(served.options as never) : []);
  }

  /** Note a batch seen on the bus (candles or observations of one source). */
  noteEvent(sourceId: string, eventTime: number): void {
    if (eventTime > (this.seen.get(sourceId) ?? -Infinity)) this.seen.set(sourceId, eventTime);
  }

  /** Newest event time of a source seen on the bus. */
  seenEventTime(sourceId: string): number | undefined {
    return this.seen.get(sourceId);
  }

  /** Newest event time of a source: the runner's report or the bus, whichever is newer. */
  lastEventTime(s: SourceView): number | undefined {
    const a = s.lastEventTime;
    const b = this.seen.get(s.id);
    return a === undefined ? b : b === undefined ? a : Math.max(a, b);
  }

  /** Full snapshot after a served prediction set. */
  async afterPrediction(served: readonly Prediction[], now: number): Promise<OperatorSnapshot> {
    const { config, store } = this.deps;
    const scores = await liveScores(store, { asset: config.asset, models: [config.servedModel], horizons: config.horizons, asOf: now });
    const missing = config.horizons.filter((h) => !served.some((p) => p.horizon === h));
    return {
      coverage: scores.map((s) => ({ model: s.model, horizon: s.horizon, coverage90: s.coverage90, n: s.n })),
      confidence: served.map((p) => ({ horizon: p.horizon, value: p.confidence })),
      components: [
        ...(await this.components(now)),
        { component: 'model', ok: missing.length === 0, ...(missing.length ? { detail: `${config.servedModel} issued no ${missing.join(', ')} prediction` } : {}) },
      ],
      anomalies: [...(await this.priceAnomalies()), ...this.featureAnomalies()],
    };
  }

  /** Store, cache and sources only: the periodic check between predictions. */
  async components(now: number): Promise<Component[]> {
    const { config, store, cache } = this.deps;
    const out: Component[] = [];
    const probe = async (component: string, fn: () => Promise<unknown>) => {
      try {
        await fn();
        out.push({ component, ok: true });
      } catch (err) {
        out.push({ component, ok: false, detail: (err as Error)?.message ?? String(err) });
      }
    };
    await probe('store', () => store.latestCandleTime({ symbol: config.asset, interval: config.interval }));
    await probe('cache', () => cache.get(latestKey(config.asset, config.horizons[0]!)));
    for (const s of this.deps.sources()) out.push(this.sourceComponent(s, now));
    return out;
  }

  private sourceComponent(s: SourceView, now: number): Component {
    const component = `source:${s.id}`;
    if (s.ready === false) return { component, ok: false, detail: `reports it cannot deliver${s.lastError ? `: ${s.lastError}` : ''}` };
    const clock = this.clocks.get(s.id) ?? { intervalMs: DAY, lagMs: 0, candles: [] };
    const last = this.lastEventTime(s);
    const override = this.deps.config.alerting.staleAfterMs[s.id];
    const f = freshness({ lastEventTime: last, now, intervalMs: clock.intervalMs, lagMs: clock.lagMs, graceMs: this.deps.config.alerting.freshnessGraceMs });
    const stale = override === undefined ? f.stale : last === undefined || now - last > override;
    if (!stale) return { component, ok: true };
    const age = last === undefined ? 'has delivered nothing' : `newest event ${new Date(last).toISOString()} is ${(f.ageMs / 3_600_000).toFixed(1)} h old`;
    return { component, ok: false, detail: `stale: ${age}` };
  }

  /** z of the newest close-to-close log return of each declared candle series, once per new bar. */
  private async priceAnomalies(): Promise<Anomaly[]> {
    const window = this.deps.config.alerting.anomalyWindowBars;
    const out: Anomaly[] = [];
    const done = new Set<string>();
    for (const [sourceId, clock] of this.clocks) {
      for (const c of clock.candles) {
        const key = `${c.symbol}:${c.interval}`;
        if (done.has(key)) continue;
        done.add(key);
        const bars = (await this.deps.store.getCandles({ symbol: c.symbol, interval: c.interval, order: 'desc', limit: window + 2 })).sort((a, b) => a.openTime - b.openTime);
        const newest = bars.at(-1);
        if (!newest || bars.length < 4 || this.lastBar.get(key) === newest.openTime) continue;
        this.lastBar.set(key, newest.openTime);
        const r = bars.slice(1).map((b, i) => Math.log(b.close / bars[i]!.close));
        const z = zScore(r.at(-1)!, r.slice(0, -1));
        if (Number.isFinite(z)) out.push({ source: sourceId, series: `${key}:return`, z });
      }
    }
    return out;
  }

  /** z of each watched feature's newest value against its trailing window. */
  private featureAnomalies(): Anomaly[] {
    const cols = this.deps.featureColumns?.();
    if (!cols) return [];
    const window = this.deps.config.alerting.anomalyWindowBars;
    const out: Anomaly[] = [];
    for (const name of this.watched) {
      const col = cols[name];
      if (!col || col.length < 3) continue;
      const n = col.length;
      const history = Array.prototype.slice.call(col, Math.max(0, n - 1 - window), n - 1) as number[];
      const z = zScore(col[n - 1]!, history);
      if (Number.isFinite(z)) out.push({ source: 'features', series: name, z });
    }
    return out;
  }
}
