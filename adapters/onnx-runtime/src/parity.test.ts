/**
 * TypeScript predict vs the exported ONNX graph on real rows, served by onnxruntime-node (this package)
 * and by onnxruntime-web's wasm backend (the browser / edge runtime), including rows with missing and
 * infinite inputs. Both runtimes see float32 inputs and parameters, so agreement is to ~1e-6, not 1e-12.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ortWeb from 'onnxruntime-web';
import { createPluginContext, type ReturnForecast } from '@satcast/core';
import { decodeEnvelope, forecastFromStandardized, huber, ridge, type LinearModel } from '@satcast/plugin-linear';
import { createOnnxSession, packRows, type OnnxSession } from './index.js';
import { split, withHoles } from './test-rows.js';

const TOL = 1e-5;

function expectClose(onnx: ReturnForecast[], ts: ReturnForecast[]) {
  expect(onnx).toHaveLength(ts.length);
  let worst = 0;
  ts.forEach((t, i) => {
    const o = onnx[i]!;
    const zT = t.info!.zHat as number;
    const zO = o.info!.zHat as number;
    worst = Math.max(worst, Math.abs(zO - zT) / Math.max(1, Math.abs(zT)), Math.abs(o.point - t.point), Math.abs(o.pUp - t.pUp));
    for (const k of ['p05', 'p25', 'p50', 'p75', 'p95'] as const) worst = Math.max(worst, Math.abs(o.quantiles[k] - t.quantiles[k]));
  });
  expect(worst).toBeLessThan(TOL);
  return worst;
}

for (const plugin of [ridge, huber]) {
  for (const horizon of ['1h', '24h'] as const) {
    describe(`ONNX parity: ${plugin.name} ${horizon} on real BTC rows`, () => {
      let model: LinearModel;
      let session: OnnxSession;
      let header: ReturnType<typeof decodeEnvelope>['header'];
      let onnx: Uint8Array;
      let test: Awaited<ReturnType<typeof split>>['test'];

      beforeAll(async () => {
        const s = await split(horizon, Date.UTC(2023, 0, 1), Date.UTC(2024, 0, 1), Date.UTC(2024, 1, 1));
        test = s.test;
        model = (await plugin.create(plugin.optionsSchema.parse({}) as never, createPluginContext())) as LinearModel;
        model.fit(s.train);
        // The envelope is itself the ONNX file: the runtime loads serialize()'s bytes as they are.
        const bytes = model.serialize().bytes;
        ({ header, onnx } = decodeEnvelope(bytes));
        expect(onnx).toBe(bytes);
        session = await createOnnxSession(onnx);
      });
      afterAll(() => session?.release());

      const viaNode = async (features: Record<string, Float64Array>) => {
        const z = await session.runRows(features, header.inputs);
        const vol = features[header.sigma.volFeature]!;
        return Array.from(z, (zi, i) => forecastFromStandardized(header, zi, vol[i]!));
      };

      it('onnxruntime-node agrees with the TypeScript predict to 1e-5 on every test row', async () => {
        expectClose(await viaNode(test.features), model.predict(test));
      });

      it('... also on rows with missing (NaN) and infinite inputs (Imputer = training mean)', async () => {
        const holed = withHoles(test.features, header.inputs.filter((n) => n !== header.sigma.volFeature), 0.1);
        const nan = Object.values(holed).reduce((s, c) => s + c.filter((v) => !Number.isFinite(v)).length, 0);
        expect(nan).toBeGreaterThan(100);
        const holedInput = { ...test, features: holed };
        expectClose(await viaNode(holed), model.predict(holedInput));
      });

      it('onnxruntime-web (wasm, the browser / edge runtime) computes the same zHat', async () => {
        ortWeb.env.wasm.numThreads = 1;
        const web = await ortWeb.InferenceSession.create(onnx, { executionProviders: ['wasm'] });
        const holed = withHoles(test.features, header.inputs, 0.05);
        const p = packRows(holed, header.inputs);
        const out = await web.run({ [header.onnx.input]: new ortWeb.Tensor('float32', p.data, [p.rows, p.cols]) });
        const zWeb = out[header.onnx.output]!.data as Float32Array;
        const zNode = await session.runRows(holed, header.inputs);
        const ts = model.predict({ ...test, features: holed });
        let vsNode = 0, vsTs = 0;
        zWeb.forEach((z, i) => {
          vsNode = Math.max(vsNode, Math.abs(z - zNode[i]!));
          vsTs = Math.max(vsTs, Math.abs(z - (ts[i]!.info!.zHat as number)));
        });
        expect(zWeb).toHaveLength(ts.length);
        expect(vsNode).toBeLessThan(1e-6);
        expect(vsTs).toBeLessThan(TOL);
        await web.release();
      });
    });
  }
}
