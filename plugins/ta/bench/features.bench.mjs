#!/usr/bin/env node
/**
 * Feature cost on the whole bundled BTCUSDT hourly history (68,869 bars), beside trading-signals computing
 * the same indicators in the same run:
 *   - incremental: microseconds per closed bar for ALL ta features (one update call), vs one `add` per bar
 *     on each trading-signals indicator that has a counterpart here;
 *   - batch: seconds for the full history, vs trading-signals over the same bars (it has no batch form,
 *     so its batch is the streaming loop).
 * Goals (issue 5): incremental < 100 us per bar for all features; batch < 5 s.
 */
import { createPluginContext, toCandleFrame } from '@satcast/core';
import { loadBtcHourly } from '@satcast/data';
import * as ts from 'trading-signals';
import ta from '../dist/index.js';

const bars = loadBtcHourly();
const n = bars.length;
const options = ta.optionsSchema.parse({});
const names = ta.features(options).map((f) => f.name);
const fs = await ta.create(options, createPluginContext());

/** The trading-signals counterparts of our indicators (same periods), fresh per run. */
function tsIndicators() {
  const px = (b) => b.close;
  const hl = (b) => ({ high: b.high, low: b.low });
  const hlc = (b) => ({ high: b.high, low: b.low, close: b.close });
  const all = (b) => ({ open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume });
  return [
    ...[10, 20, 50, 100, 200].map((p) => [new ts.SMA(p), px]),
    ...[9, 12, 26, 50, 100, 200].map((p) => [new ts.EMA(p), px]),
    ...[20, 50].map((p) => [new ts.WMA(p), px]),
    [new ts.DEMA(20), px], [new ts.TEMA(20), px], [new ts.KAMA(10), px],
    ...[20, 55].map((p) => [new ts.HMA(p), px]),
    ...[20, 50].map((p) => [new ts.VWMA(p), all]),
    ...[7, 14, 28].map((p) => [new ts.RSI(p), px]),
    [new ts.StochasticOscillator({ kPeriod: 14, kSlowingPeriod: 1, dPeriod: 3 }), hlc],
    [new ts.StochasticRSI(14), px],
    [new ts.MACD(new ts.EMA(12), new ts.EMA(26), new ts.EMA(9)), px],
    [new ts.PPO(12, 26), px],
    [new ts.ROC(10), px], [new ts.CMO(14), px], [new ts.TSI(), px], [new ts.TRIX(15), px],
    [new ts.WilliamsR(14), hlc], [new ts.UltimateOscillator(), hlc], [new ts.CCI(20), hlc],
    [new ts.Aroon(25), hl], [new ts.ADX(14), hlc], [new ts.DX(14), hlc],
    [new ts.NATR(14), hlc], [new ts.TR(), hlc],
    [new ts.BollingerBands(20, 2), px], [new ts.KeltnerChannels({ emaInterval: 20, atrInterval: 10, multiplier: 2 }), hlc],
    ...[20, 55].map((p) => [new ts.DonchianChannels(p), hl]),
    [new ts.OBV(24), all], [new ts.MFI(14), all], [new ts.CMF(20), all], [new ts.ADOSC({ fastPeriod: 3, slowPeriod: 10 }), all],
    [new ts.PSAR({ accelerationStep: 0.02, accelerationMax: 0.2 }), hl],
    [new ts.SuperTrend({ interval: 10, multiplier: 3 }), hlc],
    [new ts.IchimokuCloud(), hl],
  ];
}

function runTs() {
  const inds = tsIndicators();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const b = bars[i];
    for (let k = 0; k < inds.length; k++) inds[k][0].add(inds[k][1](b));
  }
  return { ms: performance.now() - t0, count: inds.length };
}

function runIncremental() {
  const inc = fs.incremental();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) inc.update(bars[i]);
  return performance.now() - t0;
}

function runBatch() {
  const t0 = performance.now();
  fs.batch(toCandleFrame(bars));
  return performance.now() - t0;
}

// Warm up the JIT on both sides, then take the best of 3 (the machine has 2 cores and other work).
runIncremental();
runTs();
runBatch();
const best = (f) => Math.min(f(), f(), f());
const incMs = best(runIncremental);
const batchMs = best(runBatch);
let tsMs = Infinity;
let tsCount = 0;
for (let r = 0; r < 3; r++) {
  const x = runTs();
  tsMs = Math.min(tsMs, x.ms);
  tsCount = x.count;
}

const us = (ms) => ((ms * 1000) / n).toFixed(2).padStart(7);
console.log(`bars: ${n.toLocaleString('en')} (BTCUSDT 1h, 2017-08 .. 2025-06)`);
console.log(`                                            us/bar   full history`);
console.log(`satcast ta incremental, ${String(names.length).padStart(3)} features        ${us(incMs)}   ${(incMs / 1000).toFixed(2)} s`);
console.log(`satcast ta batch,       ${String(names.length).padStart(3)} features        ${us(batchMs)}   ${(batchMs / 1000).toFixed(2)} s`);
console.log(`trading-signals,         ${String(tsCount).padStart(2)} same indicators   ${us(tsMs)}   ${(tsMs / 1000).toFixed(2)} s`);
console.log(`ratio incremental / trading-signals: ${(incMs / tsMs).toFixed(2)}x (ours computes ${names.length} values per bar, trading-signals ${tsCount} indicators)`);
console.log(`goals: incremental < 100 us/bar: ${incMs * 1000 / n < 100 ? 'met' : 'MISSED'}; batch < 5 s: ${batchMs < 5000 ? 'met' : 'MISSED'}`);
