/**
 * The pipeline's feature side: every configured feature set computed in batch over the stored history at
 * start and incrementally per closed bar; observation inputs joined point-in-time (core's PitCursor, fed
 * from the store as new observations arrive); the latest vector per asset in the cache
 * (`features:latest:<asset>`) and the history of live vectors in the store; a missing-value count per
 * feature after its warm-up, exposed as a ratio in health and metrics.
 */
import {
  alignedRow,
  alignObservations,
  checkFeatureOutput,
  ConfigError,
  createPluginContext,
  DAY,
  observationKey,
  PitCursor,
  rowAsOf,
  type AlignedInputs,
  type AlignedRow,
  type Cache,
  type Candle,
  type CandleFrame,
  type FeatureVector,
  type IncrementalFeatures,
  type Logger,
  type ResolvedConfig,
  type Store,
} from '@satcast/core';

export const featuresLatestKey = (asset: string) => `features:latest:${asset}`;

/** Missing values of one feature after its own warm-up. */
export interface FeatureHealth {
  name: string;
  featureSet: string;
  lookback: number;
  missing: number;
  rows: number;
  missingRatio: number;
}

interface SeriesSlot {
  source: string;
  series: string;
  cursor: PitCursor;
  /** Observations already handed to the cursor (eventTime:availableAt), pruned to a recent window. */
  seen: Set<string>;
  latestEvent: number;
}

interface SetSlot {
  id: string;
  names: string[];
  keys: string[];
  inc: IncrementalFeatures;
}

export class FeatureRuntime {
  /** Feature columns aligned with the pipeline's bars. */
  readonly cols: Record<string, number[]> = {};
  private readonly sets: SetSlot[] = [];
  private readonly series = new Map<string, SeriesSlot>();
  private readonly health = new Map<string, FeatureHealth>();

  constructor(private readonly deps: { config: ResolvedConfig; store: Store; cache: Cache; log: Logger }) {}

  /** Batch over the whole stored history, then bring each incremental state up to the last bar. */
  async init(bars: readonly Candle[], frame: CandleFrame): Promise<void> {
    const asOf = rowAsOf(frame);
    const aligned: AlignedInputs = {};
    for (const ref of this.deps.config.resolved.features) {
      for (const inp of ref.plugin.inputs) {
        if (inp.kind !== 'observations') continue;
        const key = observationKey(inp.source, inp.series);
        if (this.series.has(key)) continue;
        const obs = await this.deps.store.getObservations({ source: inp.source, series: inp.series });
        const slot: SeriesSlot = { source: inp.source, series: inp.series, cursor: new PitCursor(), seen: new Set(), latestEvent: -Infinity };
        this.remember(slot, obs);
        aligned[key] = alignObservations(obs, asOf, slot.cursor);
        this.series.set(key, slot);
        if (!obs.length) this.deps.log.warn(`feature set "${ref.id}": no ${key} observations in the store; its features stay missing until some arrive`);
      }
    }
    for (const ref of this.deps.config.resolved.features) {
      const fs = await ref.plugin.create(ref.options, createPluginContext({ log: this.deps.log }));
      const keys = ref.plugin.inputs.flatMap((i) => (i.kind === 'observations' ? [observationKey(i.source, i.series)] : []));
      const inputs = Object.fromEntries(keys.map((k) => [k, aligned[k]!]));
      const cols = checkFeatureOutput(ref.plugin, ref.options, frame, fs.batch(frame, inputs));
      const infos = new Map(ref.plugin.features(ref.options).map((f) => [f.name, f]));
      const setLookback = ref.plugin.lookback(ref.options);
      const names = Object.keys(cols);
      for (const n of names) {
        if (this.cols[n]) throw new ConfigError(`feature "${n}" is produced by two feature sets`, { field: `features (${ref.id})` });
        const col = cols[n]!;
        this.cols[n] = Array.from(col);
        const lookback = infos.get(n)?.lookback ?? setLookback;
        let missing = 0;
        for (let i = lookback; i < col.length; i++) if (!Number.isFinite(col[i]!)) missing++;
        const rows = Math.max(0, col.length - lookback);
        this.health.set(n, { name: n, featureSet: ref.id, lookback, missing, rows, missingRatio: rows ? missing / rows : 0 });
      }
      // Bring the streaming state up to the last stored bar so the next live bar continues the series.
      const inc = fs.incremental();
      if (keys.length) bars.forEach((b, i) => inc.update(b, alignedRow(inputs, i)));
      else for (const b of bars) inc.update(b);
      this.sets.push({ id: ref.id, names, keys, inc });
    }
  }

  /** One closed bar through every set; returns the new row's values. */
  async update(bar: Candle, asOf: number): Promise<Record<string, number>> {
    const row: AlignedRow = {};
    for (const [key, slot] of this.series) {
      await this.refresh(slot);
      row[key] = slot.cursor.at(asOf);
    }
    const values: Record<string, number> = {};
    for (const { id, names, keys, inc } of this.sets) {
      const out = keys.length ? inc.update(bar, Object.fromEntries(keys.map((k) => [k, row[k]!]))) : inc.update(bar);
      for (const n of names) {
        const v = out[n];
        if (v === undefined) throw new ConfigError(`feature set "${id}" did not return "${n}" incrementally`);
        this.cols[n]!.push(v);
        values[n] = v;
        const h = this.health.get(n)!;
        if (this.cols[n]!.length > h.lookback) {
          h.rows++;
          if (!Number.isFinite(v)) h.missing++;
          h.missingRatio = h.missing / h.rows;
        }
      }
    }
    return values;
  }

  /** The feature vector of row `i` (NaN becomes null: JSON has no NaN). */
  vector(asset: string, time: number, i: number): FeatureVector {
    const values: Record<string, number | null> = {};
    for (const [n, col] of Object.entries(this.cols)) {
      const v = col[i]!;
      values[n] = Number.isFinite(v) ? v : null;
    }
    return { asset, time, values };
  }

  /** Latest vector to the cache; with `history`, also appended to the store. */
  async publish(v: FeatureVector, history: boolean): Promise<void> {
    await this.deps.cache.set(featuresLatestKey(v.asset), v);
    if (history) await this.deps.store.putFeatureVectors([v]);
  }

  /** Missing-value ratio per feature after its warm-up (history at start plus every live bar since). */
  healthReport(): FeatureHealth[] {
    return [...this.health.values()].map((h) => ({ ...h }));
  }

  /** New observations of a series from the store (a week of overlap catches late revisions). */
  private async refresh(slot: SeriesSlot): Promise<void> {
    const from = Number.isFinite(slot.latestEvent) ? slot.latestEvent - 7 * DAY : undefined;
    const obs = await this.deps.store.getObservations({ source: slot.source, series: slot.series, fromEventTime: from });
    slot.cursor.add(this.remember(slot, obs));
  }

  /** Returns the observations not seen before and records them. */
  private remember(slot: SeriesSlot, obs: readonly { eventTime: number; availableAt: number; value: number }[]) {
    const fresh = obs.filter((o) => !slot.seen.has(`${o.eventTime}:${o.availableAt}`));
    for (const o of fresh) {
      slot.seen.add(`${o.eventTime}:${o.availableAt}`);
      if (o.eventTime > slot.latestEvent) slot.latestEvent = o.eventTime;
    }
    if (slot.seen.size > 4096) {
      for (const k of slot.seen) if (Number(k.split(':')[0]) < slot.latestEvent - 14 * DAY) slot.seen.delete(k);
    }
    return fresh;
  }
}
