#!/usr/bin/env node
/**
 * Forecast quality of the `gbdt` (default median and `l2` objectives) and `forest` plugins beside
 * persistence (a zero-return forecast) in the same run: one time split of the bundled BTCUSDT hourly
 * history, fit on 2021-07..2023-12 (plugin defaults: the newest 20,000 usable rows), scored on
 * 2024-01..2024-06. MAE skill = 1 - MAE / persistence MAE (> 0 beats persistence); 90% band coverage;
 * Brier score of pUp (0.25 = coin flip); direction accuracy of the point. One split, not a walk-forward
 * evaluation: indicative only.
 */
import { createPluginContext, HORIZON_MS, HOUR, logReturnTargets, toCandleFrame } from '@satcast/core';
import { loadBtcHourly } from '@satcast/data';
import ta from '@satcast/plugin-ta';
const KEYS = { p05: 0.05, p25: 0.25, p50: 0.5, p75: 0.75, p95: 0.95 };
function scoreReturnForecasts(fs, target) {
  let n = 0, ae = 0, pae = 0, pin = 0, cov = 0;
  fs.forEach((f, i) => { const y = target[i]; if (!Number.isFinite(y)) return; n++; ae += Math.abs(y - f.point); pae += Math.abs(y);
    for (const [k, a] of Object.entries(KEYS)) { const d = y - f.quantiles[k]; pin += (d >= 0 ? a * d : (a - 1) * d) / 5; }
    if (y >= f.quantiles.p05 && y <= f.quantiles.p95) cov++; });
  return { mae: ae / n, persistenceMae: pae / n, pinball: pin / n, coverage90: cov / n };
}
import { gbdt, forest } from '../dist/index.js';
const FROM = Date.UTC(2021, 6, 1), CUT = Date.UTC(2024, 0, 1), TO = Date.UTC(2024, 6, 1);
const bars = loadBtcHourly({ from: FROM, to: TO });
const fs = await ta.create(ta.optionsSchema.parse({}), createPluginContext());
const features = fs.batch(toCandleFrame(bars));
const openTime = bars.map((b) => b.openTime);
const times = Float64Array.from(openTime, (t) => t + HOUR);
const nTrain = times.findIndex((t) => t > CUT);
const pick = (s, e) => Object.fromEntries(Object.entries(features).map(([k, v]) => [k, v.slice(s, e)]));
for (const h of ['1h', '4h', '24h']) {
  const target = logReturnTargets(openTime, bars.map((b) => b.close), HORIZON_MS[h]);
  const train = { horizon: h, times: times.slice(0, nTrain), features: pick(0, nTrain), target: target.slice(0, nTrain).map((y, i) => (times[i] + HORIZON_MS[h] <= CUT ? y : NaN)) };
  const test = { horizon: h, times: times.slice(nTrain), features: pick(nTrain), target: target.slice(nTrain) };
  for (const [name, p, o] of [['gbdt', gbdt, {}], ['gbdt-l2', gbdt, { objective: 'l2' }], ['forest', forest, {}]]) {
    const m = await p.create(p.optionsSchema.parse(o), createPluginContext());
    const t0 = performance.now();
    await m.fit(train);
    const fitS = (performance.now() - t0) / 1000;
    const f = await m.predict(test);
    const s = scoreReturnForecasts(f, test.target);
    let brier = 0, n = 0, hit = 0;
    f.forEach((x, i) => { const y = test.target[i]; if (!Number.isFinite(y)) return; n++; brier += (x.pUp - (y > 0 ? 1 : 0)) ** 2; hit += (x.point > 0) === (y > 0) ? 1 : 0; });
    console.log(`${h.padEnd(3)} ${name.padEnd(12)} fit ${fitS.toFixed(2)}s trainRows ${nTrain} maeSkill ${(1 - s.mae / s.persistenceMae).toFixed(4)} pinball ${s.pinball.toExponential(3)} cov90 ${s.coverage90.toFixed(3)} brier ${(brier / n).toFixed(4)} dirAcc ${(hit / n).toFixed(3)} trees ${f[0].info.trees}`);
  }
}
