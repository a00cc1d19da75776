#!/usr/bin/env node
/**
 * Fit cost of the two linear models on real hourly rows (ta features, 1h horizon, the newest 20 000
 * usable rows, as `maxTrainRows` defaults): ridge (the reference, closed form) vs huber (IRLS), plus one
 * `partialFit` batch of 100 rows and 100 one-row predicts. Median process CPU time (ms); ratios are
 * against ridge's fit in the same run.
 */
import { createPluginContext, HORIZON_MS, HOUR, logReturnTargets, toCandleFrame } from '@satcast/core';
import { loadBtcHourly } from '@satcast/data';
import ta from '@satcast/plugin-ta';
import { huber, ridge } from '../dist/index.js';

const bars = loadBtcHourly({ from: Date.UTC(2021, 0, 1), to: Date.UTC(2024, 0, 1) });
const fs = await ta.create(ta.optionsSchema.parse({ families: ['returns', 'volatility', 'momentum'] }), createPluginContext());
const features = fs.batch(toCandleFrame(bars));
const times = Float64Array.from(bars, (b) => b.openTime + HOUR);
const target = logReturnTargets(bars.map((b) => b.openTime), bars.map((b) => b.close), HORIZON_MS['1h']);
const train = { horizon: '1h', times, features, target };
const batch = { horizon: '1h', times: times.slice(-100), features: Object.fromEntries(Object.entries(features).map(([k, v]) => [k, v.slice(-100)])), target: target.slice(-101, -1) };
const row = { horizon: '1h', times: times.slice(-1), features: Object.fromEntries(Object.entries(features).map(([k, v]) => [k, v.slice(-1)])) };

const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// CPU time of this (single-threaded) process, so other work on a shared machine does not inflate it.
const time = (fn, n) => {
  fn();
  const t = [];
  for (let k = 0; k < n; k++) {
    const c0 = process.cpuUsage();
    fn();
    const c = process.cpuUsage(c0);
    t.push((c.user + c.system) / 1000);
  }
  return median(t);
};

const res = {};
for (const p of [ridge, huber]) {
  const m = await p.create(p.optionsSchema.parse({}), createPluginContext());
  res[`${p.name} fit (20k rows)`] = time(() => m.fit(train), 7);
  res[`${p.name} partialFit (100 rows)`] = time(() => m.partialFit(batch), 50);
  res[`${p.name} predict (100 rows x 1)`] = time(() => { for (let k = 0; k < 100; k++) m.predict(row); }, 50);
}
const ref = res['ridge fit (20k rows)'];
for (const [k, v] of Object.entries(res)) console.log(`${k.padEnd(30)} ${v.toFixed(3).padStart(9)} ms CPU   x${(v / ref).toFixed(3)} of ridge fit`);
