#!/usr/bin/env node
/**
 * Single-row inference latency of the linear (ridge) model, as the live path runs it on each closed bar:
 * one feature row in, one forecast out. Measured: onnxruntime-node (this package: pack the row, run the
 * session, turn zHat into a forecast with the envelope header) and onnxruntime-web (wasm, 1 thread).
 * Reference in the same run: the plugin's own TypeScript predict on the same rows.
 * Also a 1000-row batch, where ORT amortises its per-call overhead.
 */
import { createPluginContext, HORIZON_MS, HOUR, logReturnTargets, toCandleFrame } from '@satcast/core';
import { loadBtcHourly } from '@satcast/data';
import ta from '@satcast/plugin-ta';
import { decodeEnvelope, forecastFromStandardized, ridge } from '@satcast/plugin-linear';
import * as ortWeb from 'onnxruntime-web';
import { createOnnxSession, packRows } from '../dist/index.js';

const ITER = Number(process.env.BENCH_ITER ?? 5000);
const WARM = 500;

const bars = loadBtcHourly({ from: Date.UTC(2023, 0, 1), to: Date.UTC(2024, 1, 1) });
const fs = await ta.create(ta.optionsSchema.parse({ families: ['returns', 'volatility', 'momentum'] }), createPluginContext());
const features = fs.batch(toCandleFrame(bars));
const times = Float64Array.from(bars, (b) => b.openTime + HOUR);
const target = logReturnTargets(bars.map((b) => b.openTime), bars.map((b) => b.close), HORIZON_MS['1h']);
const CUT = Date.UTC(2024, 0, 1);
const cut = times.findIndex((t) => t > CUT);
const pick = (s, e) => Object.fromEntries(Object.entries(features).map(([k, v]) => [k, v.slice(s, e)]));
const model = await ridge.create(ridge.optionsSchema.parse({}), createPluginContext());
// Targets not yet public at the cut are unknown, as the host would pass them.
const trainTarget = Float64Array.from(target.slice(0, cut), (y, i) => (times[i] + HORIZON_MS['1h'] <= CUT ? y : NaN));
model.fit({ horizon: '1h', times: times.slice(0, cut), features: pick(0, cut), target: trainTarget });
const { header, onnx } = decodeEnvelope(model.serialize().bytes);
const node = await createOnnxSession(onnx);
ortWeb.env.wasm.numThreads = 1;
const web = await ortWeb.InferenceSession.create(onnx, { executionProviders: ['wasm'] });

const testRows = times.length - cut;
const oneRow = (k) => {
  const i = cut + (k % testRows);
  const f = {};
  for (const name of [...header.inputs, header.sigma.volFeature]) f[name] = Float64Array.of(features[name][i]);
  return { horizon: '1h', times: Float64Array.of(times[i]), features: f };
};
const rows = Array.from({ length: testRows }, (_v, k) => oneRow(k));

const variants = {
  'ts predict (reference)': async (r) => model.predict(r)[0],
  'onnxruntime-node': async (r) => {
    const z = await node.runRows(r.features, header.inputs);
    return forecastFromStandardized(header, z[0], r.features[header.sigma.volFeature][0]);
  },
  'onnxruntime-web wasm': async (r) => {
    const p = packRows(r.features, header.inputs);
    const out = await web.run({ [header.onnx.input]: new ortWeb.Tensor('float32', p.data, [p.rows, p.cols]) });
    return forecastFromStandardized(header, out[header.onnx.output].data[0], r.features[header.sigma.volFeature][0]);
  },
};

const pct = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const results = {};
for (const [name, fn] of Object.entries(variants)) {
  for (let k = 0; k < WARM; k++) await fn(rows[k % rows.length]);
  const t = new Float64Array(ITER);
  const c0 = process.cpuUsage();
  for (let k = 0; k < ITER; k++) {
    const r = rows[k % rows.length];
    const t0 = process.hrtime.bigint();
    await fn(r);
    t[k] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  const c = process.cpuUsage(c0);
  t.sort();
  // CPU per call (all threads of this process): robust to other load on the machine, unlike p99.
  results[name] = { p50: pct(t, 0.5), p99: pct(t, 0.99), cpu: (c.user + c.system) / ITER };
}

const ref = results['ts predict (reference)'];
console.log(`single-row latency, ridge 1h, ${header.inputs.length} inputs, ${ITER} rows (after ${WARM} warm-up), µs`);
for (const [name, r] of Object.entries(results)) {
  console.log(
    `${name.padEnd(24)} p50 ${r.p50.toFixed(1).padStart(8)}  p99 ${r.p99.toFixed(1).padStart(8)}  cpu/call ${r.cpu.toFixed(1).padStart(7)}` +
      `   p50 x${(r.p50 / ref.p50).toFixed(1)} of TS, p99 x${(r.p99 / ref.p99).toFixed(1)}, cpu x${(r.cpu / ref.cpu).toFixed(1)}`,
  );
}

// Batch: all test rows at once.
const batchFeatures = pick(cut);
const batchInput = { horizon: '1h', times: times.slice(cut), features: batchFeatures };
const timeIt = async (fn, n = 20) => {
  await fn();
  const t0 = performance.now();
  for (let k = 0; k < n; k++) await fn();
  return (performance.now() - t0) / n;
};
const tsBatch = await timeIt(() => model.predict(batchInput));
const nodeBatch = await timeIt(async () => {
  const z = await node.runRows(batchFeatures, header.inputs);
  const vol = batchFeatures[header.sigma.volFeature];
  return Array.from(z, (zi, i) => forecastFromStandardized(header, zi, vol[i]));
});
console.log(`batch of ${testRows} rows: ts ${tsBatch.toFixed(2)} ms, onnxruntime-node ${nodeBatch.toFixed(2)} ms (x${(nodeBatch / tsBatch).toFixed(2)} of TS)`);
await node.release();
await web.release();
