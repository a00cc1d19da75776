/**
 * Trained ONNX artifacts are served through onnxruntime-node and predict what the TypeScript model
 * predicts (1e-5), for the tree models and the linear models alike.
 */
import { describe, expect, it } from 'vitest';
import { createPluginContext, HORIZON_MS, logReturnTargets, resolveConfig, sequenceContext, type Horizon } from '@satcast/core';
import { loadHistory } from '../src/backtest/history.js';
import { onnxServedModel } from '../src/pipeline/onnx-serving.js';
import { builtinRegistry } from '../src/plugins.js';
import { quietLog, tempDir, writeCandlesCsv } from './helpers.js';

describe('ONNX serving', () => {
  const dir = tempDir();
  const csv = writeCandlesCsv(dir, Date.UTC(2023, 6, 1), Date.UTC(2024, 1, 1));
  const registry = builtinRegistry();
  const config = resolveConfig(
    { sources: [{ plugin: 'csv', options: { path: csv } }], features: [{ plugin: 'ta' }], models: [{ plugin: 'ewma-band' }], servedModel: 'ewma-band', server: { port: 0 } },
    registry,
  );

  for (const [name, horizon, options] of [
    ['gbdt', '4h', { nEstimators: 60 }],
    ['forest', '1h', { nTrees: 20 }],
    ['huber', '24h', {}],
    ['ridge', '1h', {}],
  ] as const) {
    it(`${name} ${horizon}: onnxruntime-node serves the artifact with the TypeScript model's forecasts (1e-5)`, async () => {
      const h = await loadHistory(config, quietLog);
      const plugin = registry.get('model', name);
      const opts = plugin.optionsSchema.parse(options);
      const inputs = plugin.inputs(opts);
      const n = h.openTime.length;
      const split = n - 300;
      const target = logReturnTargets(h.openTime, h.close, HORIZON_MS[horizon as Horizon]);
      const hMs = HORIZON_MS[horizon as Horizon];
      const asOf = h.openTime[split - 1]! + h.barMs;
      const model = await plugin.create(opts, createPluginContext({ log: quietLog }));
      await model.fit({
        horizon: horizon as Horizon,
        times: Float64Array.from(h.openTime.subarray(0, split), (t) => t + h.barMs),
        features: Object.fromEntries(inputs.map((f) => [f, h.cols[f]!.subarray(0, split)])),
        target: Float64Array.from(target.subarray(0, split), (y, i) => (h.openTime[i]! + h.barMs + hMs <= asOf ? y : Number.NaN)),
      });
      const blob = model.serialize();
      expect(blob.format).toBe('onnx');
      const served = await onnxServedModel(blob, { inputs, volFeature: 'ewma_vol', barMs: h.barMs, horizon: horizon as Horizon });
      expect(served).toBeDefined();
      const input = {
        horizon: horizon as Horizon,
        times: Float64Array.from(h.openTime.subarray(split), (t) => t + h.barMs),
        features: Object.fromEntries(inputs.map((f) => [f, h.cols[f]!.slice(split)])),
      };
      const ts = await model.predict(input);
      const ox = await served!.predict(input);
      expect(ox).toHaveLength(300);
      let worst = 0;
      ox.forEach((f, i) => {
        const t = ts[i]!;
        for (const [a, b] of [[f.point, t.point], [f.pUp, t.pUp], [f.quantiles.p05, t.quantiles.p05], [f.quantiles.p95, t.quantiles.p95]] as const) worst = Math.max(worst, Math.abs(a - b));
        expect(f.info?.runtime).toBe('onnxruntime-node');
      });
      expect(worst).toBeLessThan(1e-5);
      await served!.session.release();
    }, 300_000);
  }

  for (const [name, horizon] of [['lstm', '1h'], ['transformer', '24h']] as const) {
    it(`${name} ${horizon}: onnxruntime-node serves the sequence model from its windows (rows + context) like the TypeScript model (1e-4)`, async () => {
      const h = await loadHistory(config, quietLog);
      const plugin = registry.get('model', name);
      const opts = plugin.optionsSchema.parse({ epochs: 2, maxTrainRows: 3000 });
      const inputs = plugin.inputs(opts);
      const n = h.openTime.length;
      const split = n - 200;
      const hMs = HORIZON_MS[horizon];
      const target = logReturnTargets(h.openTime, h.close, hMs);
      const asOf = h.openTime[split - 1]! + h.barMs;
      const model = await plugin.create(opts, createPluginContext({ log: quietLog }));
      await model.fit({
        horizon,
        times: Float64Array.from(h.openTime.subarray(0, split), (t) => t + h.barMs),
        features: Object.fromEntries(inputs.map((f) => [f, h.cols[f]!.subarray(0, split)])),
        target: Float64Array.from(target.subarray(0, split), (y, i) => (h.openTime[i]! + h.barMs + hMs <= asOf ? y : Number.NaN)),
      });
      const blob = model.serialize();
      const served = await onnxServedModel(blob, { inputs, volFeature: 'ewma_vol', barMs: h.barMs, horizon });
      expect(served).toBeDefined();
      // The live pipeline's shape: one row at a time with its context rows, and a batch without context.
      const L = plugin.capabilities.sequenceLength!;
      const rowInput = (i: number) => ({
        horizon,
        times: Float64Array.of(h.openTime[i]! + h.barMs),
        features: Object.fromEntries(inputs.map((f) => [f, Float64Array.of(h.cols[f]![i]!)])),
        context: sequenceContext(h.cols, (k) => h.openTime[k]! + h.barMs, inputs, i, L)!,
      });
      const batch = { horizon, times: Float64Array.from(h.openTime.subarray(split), (t) => t + h.barMs), features: Object.fromEntries(inputs.map((f) => [f, h.cols[f]!.slice(split)])) };
      let worst = 0;
      for (const input of [batch, rowInput(split + 5), rowInput(n - 1)]) {
        const ts = await model.predict(input);
        const ox = await served!.predict(input);
        expect(ox).toHaveLength(input.times.length);
        ox.forEach((f, i) => {
          const t = ts[i]!;
          // z (the network's standardised output) too: point and band are scaled by a small sigma.
          for (const [a, b] of [[f.point, t.point], [f.pUp, t.pUp], [f.quantiles.p05, t.quantiles.p05], [f.quantiles.p95, t.quantiles.p95], [f.info!.z as number, t.info!.z as number]] as const) worst = Math.max(worst, Math.abs(a - b));
          expect(f.info?.runtime).toBe('onnxruntime-node');
        });
      }
      expect(worst).toBeLessThan(1e-4);
      await served!.session.release();
    }, 300_000);
  }

  it('refuses artifacts without Satcast calibration (the pipeline then loads them through the plugin)', async () => {
    const plugin = registry.get('model', 'ewma-band');
    expect(await onnxServedModel({ format: 'json', bytes: new Uint8Array([123, 125]) }, { inputs: plugin.inputs(plugin.optionsSchema.parse({})), volFeature: 'ewma_vol', barMs: 3_600_000, horizon: '1h' })).toBeUndefined();
  });
});
