#!/usr/bin/env node
/**
 * Inference latency of the full ensemble per horizon, as the live pipeline pays it on every closed bar:
 * every base model (gbdt, forest, ridge, huber, garch, har, lstm, transformer, ewma-band, persistence)
 * forecasts the newest row (sequence models with their context rows), then the stacker combines them.
 * Fits happen before timing (in live serving they run on the training schedule, not per prediction).
 * Reference measured in the same run: the served default alone (ewma-band's predict). Goal (issue "The
 * full ensemble"): p99 < 20 ms per horizon on this machine.
 *
 * Neural fits are capped at 2 epochs here: latency does not depend on how long a network trained.
 */
import { createPluginContext, HORIZON_MS, HOUR, logReturnTargets, sequenceContext, toCandleFrame } from '@satcast/core';
import { loadBtcHourly } from '@satcast/data';
import { OnlineStacker } from '@satcast/plugin-ensemble';
import { builtinRegistry } from '../dist/index.js';

const N = Number(process.env.BENCH_ROWS ?? 500);
const horizon = process.env.BENCH_HORIZON ?? '1h';
const registry = builtinRegistry();
const ctx = createPluginContext();
const bars = loadBtcHourly({ from: Date.UTC(2023, 0, 1), to: Date.UTC(2024, 6, 1) });
const frame = toCandleFrame(bars);
const cols = {};
for (const name of ['ta', 'shock']) {
  const def = registry.get('features', name);
  Object.assign(cols, (await def.create(def.optionsSchema.parse({}), ctx)).batch(frame));
}
const times = Float64Array.from(bars, (b) => b.openTime + HOUR);
const target = logReturnTargets(bars.map((b) => b.openTime), bars.map((b) => b.close), HORIZON_MS[horizon]);
const split = bars.findIndex((b) => b.openTime >= Date.UTC(2024, 0, 1));
const warmFrom = split;
const measureFrom = bars.length - N;

const fast = { lstm: { epochs: 2 }, transformer: { epochs: 2 } };
const ids = ['persistence', 'ewma-band', 'gbdt', 'forest', 'ridge', 'huber', 'garch', 'har', 'lstm', 'transformer'];
const models = [];
let fitMs = 0;
for (const id of ids) {
  const def = registry.get('model', id);
  const options = def.optionsSchema.parse(fast[id] ?? {});
  const inputs = def.inputs(options);
  const model = await def.create(options, ctx);
  const t = performance.now();
  const features = Object.fromEntries(inputs.map((f) => [f, cols[f].slice(0, split)]));
  const y = target.slice(0, split).map((v, i) => (times[i] + HORIZON_MS[horizon] <= times[split - 1] ? v : Number.NaN));
  await model.fit({ horizon, times: times.slice(0, split), features, target: y });
  fitMs += performance.now() - t;
  models.push({ id, model, inputs, seq: def.capabilities.sequenceLength });
}

const predictRow = async (m, i) => {
  const features = Object.fromEntries(m.inputs.map((f) => [f, Float64Array.of(cols[f][i])]));
  const context = m.seq > 1 ? sequenceContext(cols, (k) => times[k], m.inputs, i, m.seq) : undefined;
  const [f] = await m.model.predict({ horizon, times: Float64Array.of(times[i]), features, ...(context ? { context } : {}) });
  return f;
};

// Warm the stacker on the rows between the fit and the measured stretch (out-of-sample, in issue order).
const stacker = new OnlineStacker({ members: ids.filter((id) => id !== 'persistence'), refitEveryMs: 7 * 86_400_000 });
const realized = (row) => (Number.isFinite(target[row]) ? target[row] : undefined);
const full = [];
const alone = [];
for (let i = warmFrom; i < bars.length; i++) {
  const measured = i >= measureFrom;
  const t0 = performance.now();
  const forecasts = {};
  for (const m of models) forecasts[m.id] = await predictRow(m, i);
  stacker.resolve(times[i], realized);
  const { persistence: _p, ...members } = forecasts;
  stacker.issue(i, times[i], times[i] + HORIZON_MS[horizon], members, { shockScore: Number.isFinite(cols.iforest_score[i]) ? cols.iforest_score[i] : undefined });
  const t1 = performance.now();
  if (!measured) continue;
  full.push(t1 - t0);
  const t2 = performance.now();
  await predictRow(models[1], i);
  alone.push(performance.now() - t2);
}

const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const fmt = (x) => x.toFixed(3).padStart(9);
console.log(`fits before timing (10 models, ${split} rows, neural 2 epochs): ${(fitMs / 1000).toFixed(1)} s; stacker warmed on ${measureFrom - warmFrom} rows`);
console.log(`${horizon}, n=${N}                               p50 ms    p99 ms`);
console.log(`full ensemble (10 models + stacker)   ${fmt(pct(full, 0.5))} ${fmt(pct(full, 0.99))}`);
console.log(`reference: ewma-band alone            ${fmt(pct(alone, 0.5))} ${fmt(pct(alone, 0.99))}`);
console.log(`ratio p50 full / reference: ${(pct(full, 0.5) / pct(alone, 0.5)).toFixed(1)}x; goal p99 < 20 ms: ${pct(full, 0.99) < 20 ? 'met' : 'NOT met'}`);
