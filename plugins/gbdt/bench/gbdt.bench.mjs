#!/usr/bin/env node
/**
 * GBDT cost and quality on real features, beside XGBoost `hist` (Debian python3-xgboost, benchmark only)
 * on the same matrix in the same run:
 *   - training seconds (best of 3) and validation MSE on the last 20% of rows (time-ordered, never
 *     shuffled), same trees: depth, eta, lambda, min_child_weight, 255 bins, no subsampling;
 *   - single-row inference latency p50/p99: this library in TS, and the exported ONNX model through
 *     onnxruntime-node (CPU);
 *   - the random forest's training time, and whether growing forest trees in 2 worker threads pays.
 * Goal (brief): within 3x of XGBoost's time at equal or better loss.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { predictRaw, toOnnx, trainForest, trainGbdt } from '../dist/index.js';
import { trainForestParallel } from '../dist/worker.js';
import { benchMatrix } from './matrix.mjs';

const m = await benchMatrix(20000);
const { x, nRows, nFeatures } = m;
console.log(`matrix: ${nRows} rows x ${nFeatures} features (BTCUSDT 1h, ta features, newest rows of the bundled history); ${cpus().length} cores`);
const P = { nEstimators: 200, learningRate: 0.1, maxDepth: 6, lambda: 1, minChildWeight: 20, validationFraction: 0.2 };
const nValid = Math.floor(nRows * P.validationFraction);
const trainRows = Int32Array.from({ length: nRows - nValid }, (_, i) => i);
const mse = (pred, y) => {
  let s = 0;
  for (let i = nRows - nValid; i < nRows; i++) s += (pred[i] - y[i]) ** 2;
  return s / nValid;
};
const best3 = (f) => {
  let best = Infinity, out;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    out = f();
    best = Math.min(best, performance.now() - t0);
  }
  return { ms: best, out };
};

// XGBoost: python3 on PATH, else the Debian interpreter that python3-xgboost installs into.
const py = ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['-c', 'import xgboost'], { stdio: 'ignore' }).status === 0);
const dir = mkdtempSync(join(tmpdir(), 'gbdt-bench-'));
writeFileSync(join(dir, 'x.f64'), Buffer.from(x.buffer));
writeFileSync(join(dir, 'params.json'), JSON.stringify(P));

console.log(`\nGBDT: ${P.nEstimators} trees, depth ${P.maxDepth}, eta ${P.learningRate}, lambda ${P.lambda}, min_child_weight ${P.minChildWeight}, 255 bins`);
console.log(`target   learner                 train s   valid MSE   time vs xgb(1 thread)`);
let ratios = [];
for (const [tname, y] of Object.entries(m.targets)) {
  trainGbdt({ x, nRows, nFeatures, y, rows: trainRows }, { ...P, nEstimators: 10, validationFraction: 0, subsample: 1, colsampleByTree: 1 }); // JIT warm-up
  const ts = best3(() => trainGbdt({ x, nRows, nFeatures, y, rows: trainRows }, { ...P, validationFraction: 0, subsample: 1, colsampleByTree: 1 }));
  const tsMse = mse(predictRaw(ts.out.ensemble, x, nRows), y);
  let xg = null;
  if (py) {
    writeFileSync(join(dir, 'y.f64'), Buffer.from(y.buffer));
    const r = spawnSync(py, [new URL('./xgb_ref.py', import.meta.url).pathname, join(dir, 'x.f64'), join(dir, 'y.f64'), String(nFeatures), String(nRows), join(dir, 'params.json')], { encoding: 'utf8' });
    xg = r.status === 0 ? JSON.parse(r.stdout) : null;
    if (!xg) console.log(`xgboost failed: ${r.stderr.slice(-300)}`);
  }
  const ratio = xg ? ts.ms / 1000 / xg.nthread1.seconds : NaN;
  if (xg) ratios.push({ tname, ratio, lossRatio: tsMse / xg.nthread1.validMse });
  console.log(`${tname.padEnd(8)} satcast-gbdt (TS, 1 thread) ${(ts.ms / 1000).toFixed(2).padStart(6)}   ${tsMse.toFixed(5)}     ${xg ? ratio.toFixed(2) + 'x' : ''}`);
  if (xg) {
    console.log(`${''.padEnd(8)} xgboost ${xg.version} hist, 1 thread ${xg.nthread1.seconds.toFixed(2).padStart(6)}   ${xg.nthread1.validMse.toFixed(5)}`);
    console.log(`${''.padEnd(8)} xgboost ${xg.version} hist, 2 threads${xg.nthread2.seconds.toFixed(2).padStart(6)}   ${xg.nthread2.validMse.toFixed(5)}`);
  }
}
if (!py) console.log('xgboost absent, skipped (apt-get install -y python3-xgboost)');
rmSync(dir, { recursive: true, force: true });

// Plugin defaults (median objective, depth 3, eta 0.03, subsample/colsample 0.8, early stopping): what a
// fit's trees cost in practice (the plugin adds calibration, which is cheap).
{
  const y = m.targets.z4h;
  const t = best3(() => trainGbdt({ x, nRows, nFeatures, y }, { objective: 'quantile', alpha: 0.5, nEstimators: 500, learningRate: 0.03, maxDepth: 3, minChildWeight: 100, lambda: 10, subsample: 0.8, colsampleByTree: 0.8, validationFraction: 0.2, earlyStoppingRounds: 50, validationGap: 4 }));
  console.log(`\nplugin defaults on z4h (median, early stopping): ${(t.ms / 1000).toFixed(2)} s, ${t.out.ensemble.trees.length} trees kept of ${t.out.validLoss.length} grown`);
}

// Random forest, sequential vs 2 worker threads (same forest: per-tree seeds).
{
  const y = m.targets.lrv24;
  const FP = { nTrees: 100, maxDepth: 8, minChildWeight: 100, colsampleByNode: 0.33, sampleFraction: 0.5 };
  const seq = best3(() => trainForest({ x, nRows, nFeatures, y, rows: trainRows }, FP));
  let parMs = Infinity, par;
  for (let r = 0; r < 2; r++) {
    const t0 = performance.now();
    par = await trainForestParallel({ x, nRows, nFeatures, y, rows: trainRows }, FP, { workers: 2 });
    parMs = Math.min(parMs, performance.now() - t0);
  }
  const ref = predictRaw(seq.out, x, nRows);
  const same = predictRaw(par, x, nRows).every((v, i) => v === ref[i]);
  console.log(`forest ${FP.nTrees} trees depth ${FP.maxDepth} on lrv24: sequential ${(seq.ms / 1000).toFixed(2)} s, 2 workers ${(parMs / 1000).toFixed(2)} s (${(seq.ms / parMs).toFixed(2)}x), identical forest: ${same}, valid MSE ${mse(predictRaw(seq.out, x, nRows), y).toFixed(5)}`);
}

// Single-row latency: TS tree walk vs onnxruntime-node session.run on the exported model.
{
  const y = m.targets.lrv24;
  const e = trainGbdt({ x, nRows, nFeatures, y, rows: trainRows }, { ...P, validationFraction: 0 }).ensemble;
  const session = await ort.InferenceSession.create(toOnnx(e), { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const rowX = (r) => {
    const a = new Float64Array(nFeatures);
    for (let f = 0; f < nFeatures; f++) a[f] = x[f * nRows + r];
    return a;
  };
  const N = 2000;
  const pct = (a, p) => a.sort((u, v) => u - v)[Math.floor(p * (a.length - 1))];
  const tsLat = [], onnxLat = [];
  let maxDiff = 0;
  for (let k = 0; k < N + 200; k++) {
    const r = (k * 7919) % nRows;
    const row = rowX(r);
    let t0 = performance.now();
    const a = predictRaw(e, row, 1)[0];
    const t1 = performance.now();
    const out = await session.run({ X: new ort.Tensor('float32', Float32Array.from(row), [1, nFeatures]) });
    const t2 = performance.now();
    if (k >= 200) (tsLat.push((t1 - t0) * 1000), onnxLat.push((t2 - t1) * 1000));
    maxDiff = Math.max(maxDiff, Math.abs(out.Y.data[0] - a));
  }
  console.log(`\nsingle-row latency (${e.trees.length} trees depth ${P.maxDepth}, ${N} rows): TS p50 ${pct(tsLat, 0.5).toFixed(1)} us p99 ${pct(tsLat, 0.99).toFixed(1)} us; onnxruntime-node p50 ${pct(onnxLat, 0.5).toFixed(1)} us p99 ${pct(onnxLat, 0.99).toFixed(1)} us; max |TS - ONNX| ${maxDiff.toExponential(2)}`);
}
for (const r of ratios) {
  const time = r.ratio <= 3 ? 'met' : 'MISSED';
  const loss = r.lossRatio <= 1 ? 'equal or better' : `${((r.lossRatio - 1) * 100).toFixed(2)}% worse`;
  console.log(`goal on ${r.tname}: time <= 3x xgboost (1 thread): ${time} (${r.ratio.toFixed(2)}x); valid MSE vs xgboost: ${loss} (ratio ${r.lossRatio.toFixed(4)})`);
}
