#!/usr/bin/env node
/**
 * Cost of the shock package on real hourly BTC rows (ta `logret_1`, `ewma_vol`, `logret_24`):
 * - GARCH(1,1) fit (20 000 newest returns, as `maxFitBars` defaults; includes the conformal calibration)
 * - HAR-RV fit on the same training rows
 * - `shock` isolation-forest feature batch over one year of candles (default options)
 * - one-row predict latency (with a 719-row host context, and right after fit without context)
 * Reference measured in the same run: the ewma-band plugin's fit and one-row predict. Median process CPU
 * time (ms); ratios against the ewma-band fit / predict.
 */
import { createPluginContext, HORIZON_MS, HOUR, logReturnTargets, toCandleFrame } from '@satcast/core';
import { loadBtcHourly } from '@satcast/data';
import ta from '@satcast/plugin-ta';
import ewmaBand from '@satcast/plugin-ewma-band';
import { garch, har, shock, fitGarch } from '../dist/index.js';

const bars = loadBtcHourly({ from: Date.UTC(2021, 6, 1), to: Date.UTC(2024, 0, 1) });
const fs = await ta.create(ta.optionsSchema.parse({ families: ['returns', 'volatility'] }), createPluginContext());
const all = fs.batch(toCandleFrame(bars));
const features = { logret_1: all.logret_1, logret_24: all.logret_24, ewma_vol: all.ewma_vol };
const times = Float64Array.from(bars, (b) => b.openTime + HOUR);
const target = logReturnTargets(bars.map((b) => b.openTime), bars.map((b) => b.close), HORIZON_MS['1h']);
const n = times.length;
const nTrain = n - 1000;
const pick = (s, e) => Object.fromEntries(Object.entries(features).map(([k, v]) => [k, v.slice(s, e)]));
const train = { horizon: '1h', times: times.slice(0, nTrain), features: pick(0, nTrain), target: target.slice(0, nTrain).map((y, i) => (i < nTrain - 1 ? y : Number.NaN)) };
const row = { horizon: '1h', times: times.slice(nTrain, nTrain + 1), features: pick(nTrain, nTrain + 1) };
const rowCtx = { ...{ horizon: '1h', times: times.slice(n - 1, n), features: pick(n - 1, n) }, context: { times: times.slice(n - 720, n - 1), features: pick(n - 720, n - 1) } };
const returns20k = features.logret_1.slice(nTrain - 20_000, nTrain);
const year = toCandleFrame(loadBtcHourly({ from: Date.UTC(2022, 0, 1), to: Date.UTC(2023, 0, 1) }));

const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// CPU time of this (single-threaded) process, so other work on a shared machine does not inflate it.
const time = (fn, reps) => {
  fn();
  const t = [];
  for (let k = 0; k < reps; k++) {
    const c0 = process.cpuUsage();
    fn();
    const c = process.cpuUsage(c0);
    t.push((c.user + c.system) / 1000);
  }
  return median(t);
};
const make = async (p, o = {}) => p.create(p.optionsSchema.parse(o), createPluginContext());

const ew = await make(ewmaBand);
const refFit = time(() => ew.fit(train), 7);
const refPredict = time(() => { for (let k = 0; k < 100; k++) ew.predict(row); }, 15) / 100;

const res = [];
res.push(['ewma-band fit (reference)', refFit, 'fit']);
res.push(['fitGarch, 20k returns (MLE only)', time(() => fitGarch(returns20k), 5), 'fit']);
res.push(['fitGarch t, 20k returns (MLE only)', time(() => fitGarch(returns20k, { distribution: 't' }), 3), 'fit']);
const g = await make(garch);
res.push([`garch fit (${nTrain} rows)`, time(() => g.fit(train), 5), 'fit']);
const h = await make(har);
res.push([`har fit (${nTrain} rows)`, time(() => h.fit(train), 5), 'fit']);
const sh = await make(shock);
res.push([`shock batch, 1 year (${year.openTime.length} bars)`, time(() => sh.batch(year), 3), 'fit']);
res.push(['ewma-band predict, 1 row (reference)', refPredict, 'predict']);
res.push(['garch predict, 1 row after fit', time(() => { for (let k = 0; k < 100; k++) g.predict(row); }, 15) / 100, 'predict']);
res.push(['garch predict, 1 row + 719 context', time(() => { for (let k = 0; k < 20; k++) g.predict(rowCtx); }, 9) / 20, 'predict']);
res.push(['har predict, 1 row after fit', time(() => { for (let k = 0; k < 20; k++) h.predict(row); }, 9) / 20, 'predict']);
res.push(['har predict, 1 row + 719 context', time(() => { for (let k = 0; k < 20; k++) h.predict(rowCtx); }, 9) / 20, 'predict']);
for (const [k, v, kind] of res) {
  const ref = kind === 'fit' ? refFit : refPredict;
  console.log(`${k.padEnd(42)} ${v.toFixed(3).padStart(10)} ms CPU   x${(v / ref).toFixed(1)} of ewma-band ${kind}`);
}
