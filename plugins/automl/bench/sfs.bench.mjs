// Cost of fit-time feature selection: ridge-sfs (prefilter 40 -> SFS <= 20 on 4-fold purged CV) vs a plain
// ridge fit on all candidates, one year of real hourly rows with every default `ta` feature, 4h horizon.
// Run: cd plugins/automl && pnpm build && node bench/sfs.bench.mjs
import { createPluginContext, HORIZON_MS, HOUR, logReturnTargets, toCandleFrame } from '@satcast/core';
import { loadBtcHourly } from '@satcast/data';
import ta from '@satcast/plugin-ta';
import { ridge } from '@satcast/plugin-linear';
import { withFeatureSelection } from '../dist/index.js';

const bars = loadBtcHourly({ from: Date.UTC(2023, 0, 1), to: Date.UTC(2024, 0, 1) });
const fs = await ta.create(ta.optionsSchema.parse({}), createPluginContext());
const features = fs.batch(toCandleFrame(bars));
const times = Float64Array.from(bars, (b) => b.openTime + HOUR);
const target = logReturnTargets(bars.map((b) => b.openTime), bars.map((b) => b.close), HORIZON_MS['4h']);
const candidates = Object.keys(features).filter((f) => f !== 'ewma_vol' && features[f].length === bars.length);
const train = { horizon: '4h', times, features, target: target.map((y, i) => (i < bars.length - 5 ? y : NaN)) };
const options = ridge.optionsSchema.parse({ inputs: candidates });

const time = async (def) => {
  const t0 = performance.now();
  const m = await def.create(options, createPluginContext());
  await m.fit(train);
  return { ms: performance.now() - t0, m };
};
await time(ridge); // warm-up
const plain = await time(ridge);
const sfs = await time(withFeatureSelection(ridge, { maxFeatures: 20, prefilter: 40 }));
const sel = (await sfs.m.predict({ horizon: '4h', times: times.slice(-1), features: Object.fromEntries(Object.entries(features).map(([k, v]) => [k, v.slice(-1)])) }))[0].info.selectedFeatures;
console.log(`${bars.length} rows, ${candidates.length} candidates: ridge fit ${plain.ms.toFixed(0)} ms, ridge-sfs fit ${sfs.ms.toFixed(0)} ms (ratio ${(sfs.ms / plain.ms).toFixed(1)}x); selected ${sel.length}: ${sel.join(', ')}`);
