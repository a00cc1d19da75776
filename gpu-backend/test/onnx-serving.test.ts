/**
 * Trained ONNX artifacts are served through onnxruntime-node and predict what the TypeScript model
 * predicts (1e-5), for the tree models and the linear models alike.
 */
import { describe, expect, it } from 'vitest';
import { createPluginContext, HORIZON_MS, logReturnTargets, resolveConfig, type Horizon } from '@satcast/core';
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

  it('refuses artifacts without Satcast calibration (the pipeline then loads them through the plugin)', async () => {
    const plugin = registry.get('model', 'ewma-band');
    expect(await onnxServedModel({ format: 'json', bytes: new Uint8Array([123, 125]) }, { inputs: plugin.inputs(plugin.optionsSchema.parse({})), volFeature: 'ewma_vol', barMs: 3_600_000, horizon: '1h' })).toBeUndefined();
  });
});
