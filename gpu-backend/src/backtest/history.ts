/**
 * The history a backtest or a training run works on: every configured source backfilled into an
 * in-memory store (the same host validation and quarantine as live ingestion), then every configured
 * feature set computed in batch by the pipeline's own FeatureRuntime. Batch features are point-in-time by
 * contract (each feature set's streaming = batch and look-ahead guards), so row i only reflects what was
 * public at the close of bar i.
 */
import { createPluginContext, HORIZON_MS, INTERVAL_MS, toCandleFrame, type Candle, type Horizon, type Logger, type ResolvedConfig, type TrainingSet } from '@satcast/core';
import { createStore } from '@satcast/adapter-store-libsql';
import { createCache } from '@satcast/adapter-cache-memory';
import { ingestBatch } from '../pipeline/ingest.js';
import { FeatureRuntime } from '../pipeline/features.js';

export interface History {
  bars: Candle[];
  /** Feature columns aligned with `bars`. */
  cols: Record<string, Float64Array>;
  openTime: Float64Array;
  close: Float64Array;
  barMs: number;
  /** Records the sources' and the host's validation rejected, by source id. */
  quarantined: Record<string, number>;
}

export async function loadHistory(config: ResolvedConfig, log: Logger, now = Date.now()): Promise<History> {
  const store = await createStore({ url: ':memory:' });
  const cache = createCache();
  const quarantined: Record<string, number> = {};
  try {
    for (const ref of config.resolved.sources) {
      if (!ref.plugin.capabilities.backfill) continue;
      const source = await ref.plugin.create(ref.options, createPluginContext({ log }));
      try {
        const batch = await source.fetchRange({ from: 0, to: now });
        const res = await ingestBatch(store, ref.id, batch, now);
        quarantined[ref.id] = res.quarantined;
      } finally {
        await source.close?.();
      }
    }
    const bars = await store.getCandles({ symbol: config.asset, interval: config.interval });
    if (bars.length < 100) throw new Error(`only ${bars.length} ${config.asset} ${config.interval} candles after backfill; a backtest needs history`);
    const features = new FeatureRuntime({ config, store, cache, log });
    await features.init(bars, toCandleFrame(bars));
    const cols = Object.fromEntries(Object.entries(features.cols).map(([k, v]) => [k, Float64Array.from(v)]));
    return {
      bars,
      cols,
      openTime: Float64Array.from(bars, (b) => b.openTime),
      close: Float64Array.from(bars, (b) => b.close),
      barMs: INTERVAL_MS[config.interval],
      quarantined,
    };
  } finally {
    await cache.close?.();
    await store.close();
  }
}

/**
 * The point-in-time training set of rows [lo, end): `target` (the horizon's log returns over the whole
 * history) where it was public by `publicBy` and every input of the row is finite, else NaN. Feature
 * columns are views, not copies. Used by the walk-forward backtest and by `satcast train`.
 */
export function trainingRows(h: History, horizon: Horizon, inputs: readonly string[], target: Float64Array, lo: number, end: number, publicBy: number): TrainingSet {
  const hMs = HORIZON_MS[horizon];
  const cols = inputs.map((f) => h.cols[f]!);
  const y = new Float64Array(end - lo);
  for (let i = lo; i < end; i++) {
    let v = h.openTime[i]! + h.barMs + hMs <= publicBy ? target[i]! : Number.NaN;
    if (Number.isFinite(v)) for (const c of cols) if (!Number.isFinite(c[i]!)) { v = Number.NaN; break; }
    y[i - lo] = v;
  }
  return {
    horizon,
    times: Float64Array.from(h.openTime.subarray(lo, end), (t) => t + h.barMs),
    features: Object.fromEntries(inputs.map((f) => [f, h.cols[f]!.subarray(lo, end)])),
    target: y,
  };
}
