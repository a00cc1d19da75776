/**
 * Host-side guards around plugins: a plugin's output is checked before anything downstream sees it, and
 * failures name the plugin. Modelled on freqtrade's strategy wrapper (`assert_df`).
 */
import { PluginError } from '../errors.js';
import type { CandleFrame } from '../schemas/candle.js';
import type { DataSource, SourceBatch, Subscription, SubscribeOptions } from './data-source.js';
import type { FeatureColumns, FeatureSetDefinition } from './feature-set.js';
import type { ReturnForecast } from './model.js';
import type { PluginContext } from './context.js';

/** Check a feature set's batch output: every declared column present, nothing extra, lengths match. */
export function checkFeatureOutput<O>(
  def: FeatureSetDefinition<O>,
  options: O,
  frame: CandleFrame,
  cols: FeatureColumns,
): FeatureColumns {
  const declared = def.features(options).map((f) => f.name);
  const n = frame.openTime.length;
  for (const name of declared) {
    const col = cols[name];
    if (!(col instanceof Float64Array)) {
      throw new PluginError(`feature "${name}" is declared but batch() did not return it`, { plugin: def.name });
    }
    if (col.length !== n) {
      throw new PluginError(`feature "${name}" has ${col.length} rows, input has ${n} (rows dropped or added)`, {
        plugin: def.name,
      });
    }
  }
  const extra = Object.keys(cols).filter((k) => !declared.includes(k));
  if (extra.length) throw new PluginError(`batch() returned undeclared features: ${extra.join(', ')}`, { plugin: def.name });
  return cols;
}

/** Check a model's forecasts: one per row, finite, quantiles non-decreasing, pUp a probability. */
export function checkForecasts(model: string, rows: number, out: readonly ReturnForecast[]): ReturnForecast[] {
  if (out.length !== rows) {
    throw new PluginError(`predict() returned ${out.length} forecasts for ${rows} rows`, { plugin: model });
  }
  out.forEach((f, i) => {
    const q = f.quantiles;
    const vals = [f.point, f.pUp, q.p05, q.p25, q.p50, q.p75, q.p95];
    if (!vals.every(Number.isFinite)) throw new PluginError(`forecast ${i} has a non-finite value`, { plugin: model });
    if (!(q.p05 <= q.p25 && q.p25 <= q.p50 && q.p50 <= q.p75 && q.p75 <= q.p95)) {
      throw new PluginError(`forecast ${i} has crossing quantiles`, { plugin: model });
    }
    if (f.pUp < 0 || f.pUp > 1) throw new PluginError(`forecast ${i} has pUp ${f.pUp} outside [0, 1]`, { plugin: model });
  });
  return out as ReturnForecast[];
}

/**
 * Give any source a `subscribe`: native when it has one, otherwise poll `fetchLatest` (or `fetchRange`
 * over the last poll window) every `pollMs`. Polling stops when the subscription closes or ctx aborts.
 */
export async function subscribeAny(
  source: DataSource,
  ctx: PluginContext,
  opts: SubscribeOptions & { pollMs: number; windowMs?: number },
): Promise<Subscription> {
  if (source.subscribe) return source.subscribe(opts);
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const poll = async (): Promise<void> => {
    if (stopped || ctx.signal.aborted) return;
    try {
      const now = ctx.now();
      const batch: SourceBatch = source.fetchLatest
        ? await source.fetchLatest()
        : await source.fetchRange({ from: now - (opts.windowMs ?? opts.pollMs * 2), to: now });
      if (!stopped) await opts.onBatch(batch);
    } catch (err) {
      opts.onError?.(err);
    }
    if (!stopped) timer = setTimeout(() => void poll(), opts.pollMs);
  };
  void poll();
  return {
    async close() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
