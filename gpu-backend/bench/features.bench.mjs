#!/usr/bin/env node
/**
 * Every built-in feature set together (ta, time, sentiment, onchain, macro) over the whole bundled history
 * with real observations joined point-in-time, as the pipeline runs them: the point-in-time join, batch
 * over all bars, and the incremental path per closed bar (the aligned observation row included).
 * Reference measured in the same run: the ta set alone (the candle-only default path).
 */
import {
  alignInputs,
  alignedRow,
  COINMETRICS_LAG_MS,
  createPluginContext,
  FNG_LAG_MS,
  MACRO_LAG_MS,
  toCandleFrame,
} from '@satcast/core';
import { loadBtcHourly, loadDailyColumn } from '@satcast/data';
import { BUILTIN_PLUGINS } from '../dist/index.js';

const bars = loadBtcHourly();
const frame = toCandleFrame(bars);
const n = bars.length;
const macroFiles = { spx: ['spx_daily', 'close'], dxy: ['dxy_daily', 'close'], us10y: ['us10y_daily', 'yield_pct'], vix: ['vix_daily', 'close'] };
const obs = (source, series, file, column, lag) => loadDailyColumn(file, column).map((r) => ({ source, series, eventTime: r.ts, availableAt: r.ts + lag, value: r.value, schemaVersion: 1 }));

const sets = BUILTIN_PLUGINS.filter((p) => p.kind === 'features');
const prepared = [];
for (const def of sets) {
  const options = def.optionsSchema.parse({});
  const observations = def.inputs.flatMap((i) => {
    if (i.kind !== 'observations') return [];
    if (i.source === 'fear-greed') return obs(i.source, i.series, 'fear_greed_daily.csv.gz', 'value', FNG_LAG_MS);
    if (i.source === 'coinmetrics') return obs(i.source, i.series, 'btc_onchain_daily.csv.gz', i.series, COINMETRICS_LAG_MS);
    const m = macroFiles[i.series];
    return m ? obs(i.source, i.series, `macro/${m[0]}.csv.gz`, m[1], MACRO_LAG_MS) : [];
  });
  prepared.push({ def, options, observations, fs: await def.create(options, createPluginContext()) });
}
const features = prepared.reduce((s, p) => s + p.def.features(p.options).length, 0);

function run(only) {
  const list = only ? prepared.filter((p) => p.def.name === only) : prepared;
  let t = performance.now();
  const inputs = list.map((p) => alignInputs(p.def.inputs, frame, p.observations));
  const joinMs = performance.now() - t;
  t = performance.now();
  list.forEach((p, k) => p.fs.batch(frame, inputs[k]));
  const batchMs = performance.now() - t;
  const incs = list.map((p) => p.fs.incremental());
  t = performance.now();
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < list.length; k++) {
      const keys = Object.keys(inputs[k]);
      incs[k].update(bars[i], keys.length ? alignedRow(inputs[k], i) : undefined);
    }
  }
  const incMs = performance.now() - t;
  return { joinMs, batchMs, incMs };
}

run();
const all = [run(), run()].reduce((a, b) => (a.incMs < b.incMs ? a : b));
const ta = [run('ta'), run('ta')].reduce((a, b) => (a.incMs < b.incMs ? a : b));
const us = (ms) => ((ms * 1000) / n).toFixed(2);
console.log(`bars: ${n.toLocaleString('en')}; feature sets: ${prepared.map((p) => p.def.name).join(', ')} (${features} features)`);
console.log(`all sets:  point-in-time join ${(all.joinMs / 1000).toFixed(2)} s, batch ${(all.batchMs / 1000).toFixed(2)} s, incremental ${us(all.incMs)} us/bar`);
console.log(`reference, ta alone:              batch ${(ta.batchMs / 1000).toFixed(2)} s, incremental ${us(ta.incMs)} us/bar`);
console.log(`ratio all / ta (incremental): ${(all.incMs / ta.incMs).toFixed(2)}x; goals: < 100 us/bar ${all.incMs * 1000 / n < 100 ? 'met' : 'MISSED'}, batch < 5 s ${all.batchMs < 5000 ? 'met' : 'MISSED'}`);
