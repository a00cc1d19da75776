#!/usr/bin/env node
/**
 * Cost of the two neural models on real hourly rows (ta features, 1h horizon, default options):
 * - fit on the newest 20 000 usable rows (maxTrainRows default), process CPU time of one fit;
 * - single-forecast latency (one row + 23 context rows): the TypeScript forward (`predict`) vs the
 *   exported ONNX file in onnxruntime-node (CPU, 1 intra-op thread; window building included on both
 *   sides), wall time per call, p50 and p99 over 2 000 calls; the ratio is ONNX / TS.
 * On a shared machine wall times are noisy; fit is CPU time (ms) so other work does not inflate it.
 * Usage: node bench/neural.bench.mjs [lstm|transformer ...]   (build first: pnpm build)
 */
import * as ort from 'onnxruntime-node';
import { createPluginContext, HORIZON_MS, HOUR, logReturnTargets, toCandleFrame } from '@satcast/core';
import { loadBtcHourly } from '@satcast/data';
import ta from '@satcast/plugin-ta';
import { lstm, onnxWindows, transformer } from '../dist/index.js';

const which = process.argv.slice(2).length ? process.argv.slice(2) : ['lstm', 'transformer'];
const bars = loadBtcHourly({ from: Date.UTC(2021, 6, 1), to: Date.UTC(2024, 0, 1) });
const fs = await ta.create(ta.optionsSchema.parse({}), createPluginContext());
const features = fs.batch(toCandleFrame(bars));
const times = Float64Array.from(bars, (b) => b.openTime + HOUR);
const target = logReturnTargets(bars.map((b) => b.openTime), bars.map((b) => b.close), HORIZON_MS['1h']);
target[target.length - 1] = Number.NaN;
const train = { horizon: '1h', times, features, target };

const pct = (xs, p) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const N = 2000;
for (const def of [lstm, transformer].filter((d) => which.includes(d.name))) {
  const o = def.optionsSchema.parse({});
  const L = o.sequenceLength, F = o.inputs.length;
  const m = await def.create(o, createPluginContext());
  const c0 = process.cpuUsage(), w0 = performance.now();
  await m.fit(train);
  const c = process.cpuUsage(c0), wall = performance.now() - w0;
  const info = m.header().info;
  console.log(`${def.name} fit: ${((c.user + c.system) / 1000).toFixed(0)} ms CPU (${wall.toFixed(0)} ms wall), ${m.header().trainRows} rows, ${info.fitRows} fit windows, ${info.epochs} epochs (best ${info.bestEpoch}), ${info.weights} weights`);
  const session = await ort.InferenceSession.create(m.serialize().bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const pick = (i) => ({
    horizon: '1h',
    times: times.slice(i, i + 1),
    features: Object.fromEntries(Object.entries(features).map(([k, v]) => [k, v.slice(i, i + 1)])),
    context: { times: times.slice(i - L + 1, i), features: Object.fromEntries(Object.entries(features).map(([k, v]) => [k, v.slice(i - L + 1, i)])) },
  });
  const rows = Array.from({ length: N }, (_, k) => pick(times.length - N - 10 + k));
  const tsT = [], oxT = [];
  let worst = 0;
  for (let k = 0; k < N; k++) {
    const input = rows[k];
    let t = performance.now();
    const f = m.predict(input);
    tsT.push(performance.now() - t);
    t = performance.now();
    const out = await session.run({ x: new ort.Tensor('float32', onnxWindows(input, o.inputs, L, o.barMs), [1, L, F]) });
    oxT.push(performance.now() - t);
    worst = Math.max(worst, Math.abs(out.zHat.data[0] - f[0].info.z));
  }
  // warm-up excluded: drop the first 100 calls of each
  const ts = tsT.slice(100), ox = oxT.slice(100);
  console.log(`${def.name} single forecast  TS p50 ${pct(ts, 0.5).toFixed(3)} ms  p99 ${pct(ts, 0.99).toFixed(3)} ms | ONNX p50 ${pct(ox, 0.5).toFixed(3)} ms  p99 ${pct(ox, 0.99).toFixed(3)} ms | ratio ONNX/TS p50 x${(pct(ox, 0.5) / pct(ts, 0.5)).toFixed(2)}  p99 x${(pct(ox, 0.99) / pct(ts, 0.99)).toFixed(2)} | max |dz| ${worst.toExponential(2)}`);
}
