/**
 * The benchmark matrix: real features (ta plugin, default options) of the last `n` usable hourly BTCUSDT
 * bars of the bundled history, the gbdt plugin's default inputs, and two targets:
 *  - z4h: the 4 h log return standardised by ewma_vol * sqrt(4), clipped to +-8 (the plugin's target;
 *    almost no signal, as expected of BTC returns);
 *  - lrv24: log of the next 24 h realised volatility over ewma_vol (volatility is predictable, so loss
 *    differences between learners are visible).
 */
import { createPluginContext, toCandleFrame } from '@satcast/core';
import { loadBtcHourly } from '@satcast/data';
import ta from '@satcast/plugin-ta';
import { DEFAULT_INPUTS } from '../dist/index.js';

export async function benchMatrix(n = 20000) {
  const bars = loadBtcHourly({ from: Date.UTC(2022, 0, 1) });
  const fs = await ta.create(ta.optionsSchema.parse({}), createPluginContext());
  const f = fs.batch(toCandleFrame(bars));
  const close = bars.map((b) => b.close);
  const N = bars.length;
  const vol = f.ewma_vol;
  const z4h = new Float64Array(N).fill(NaN);
  const lrv24 = new Float64Array(N).fill(NaN);
  for (let i = 0; i + 24 < N; i++) {
    if (!(vol[i] > 0)) continue;
    z4h[i] = Math.max(-8, Math.min(8, Math.log(close[i + 4] / close[i]) / (vol[i] * 2)));
    let ss = 0;
    for (let k = 1; k <= 24; k++) ss += Math.log(close[i + k] / close[i + k - 1]) ** 2;
    lrv24[i] = Math.log(Math.sqrt(ss / 24) / vol[i] + 1e-6);
  }
  const usable = [];
  for (let i = 200; i < N; i++) if (Number.isFinite(lrv24[i])) usable.push(i);
  const rows = usable.slice(-n);
  const names = [...DEFAULT_INPUTS];
  const nF = names.length;
  const x = new Float64Array(nF * rows.length);
  names.forEach((name, j) => rows.forEach((r, i) => (x[j * rows.length + i] = f[name][r])));
  return { x, nRows: rows.length, nFeatures: nF, names, targets: { z4h: Float64Array.from(rows, (r) => z4h[r]), lrv24: Float64Array.from(rows, (r) => lrv24[r]) } };
}
