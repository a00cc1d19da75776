/**
 * Global setup for the workerd tests, run in Node before them: builds a small ONNX model exactly the way
 * @satcast/plugin-linear exports one (Imputer -> Scaler -> Clip -> LinearRegressor), with the
 * standardisation fitted on real BTC hourly features, and runs it in onnxruntime-node. The workerd test
 * pushes the same bytes through the signed model sync and compares onnxruntime-web's outputs in workerd.
 */
import type { TestProject } from 'vitest/node';
import { loadBtcHourly } from '@satcast/data';
import { exportLinearOnnx } from '@satcast/plugin-linear';
import * as ort from 'onnxruntime-node';

export interface OnnxFixture {
  /** base64 of the ONNX bytes */
  model: string;
  inputs: string[];
  features: (number | null)[][];
  /** onnxruntime-node's output `z`, one per row */
  expected: number[];
}

declare module 'vitest' {
  export interface ProvidedContext {
    onnxFixture: OnnxFixture;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const bars = loadBtcHourly({ from: Date.UTC(2024, 0, 1), to: Date.UTC(2024, 1, 1) });
  const close = bars.map((b) => b.close);
  const inputs = ['ret_1h', 'ret_4h', 'ret_24h', 'range_1h'];
  const rows: number[][] = [];
  for (let i = 24; i < bars.length; i++) {
    const b = bars[i]!;
    rows.push([Math.log(close[i]! / close[i - 1]!), Math.log(close[i]! / close[i - 4]!), Math.log(close[i]! / close[i - 24]!), (b.high - b.low) / b.close]);
  }
  const mean = inputs.map((_, j) => rows.reduce((s, r) => s + r[j]!, 0) / rows.length);
  const std = inputs.map((_, j) => Math.sqrt(rows.reduce((s, r) => s + (r[j]! - mean[j]!) ** 2, 0) / (rows.length - 1)));
  const bytes = exportLinearOnnx({ inputs, mean, std, clip: 3, intercept: 0.0123, coef: [-0.21, 0.13, 0.07, -0.35] }, { model: 'linear', horizon: '1h' });
  // The last 40 real rows, plus one with a missing value (imputed) and one far outside (clipped).
  const features: (number | null)[][] = [...rows.slice(-40), [null, 0.01, -0.02, 0.004], [0.5, -0.5, 0.9, 0.2]];
  const session = await ort.InferenceSession.create(bytes);
  const flat = Float32Array.from(features.flat().map((x) => (x === null ? Number.NaN : x)));
  const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', flat, [features.length, inputs.length]) });
  const expected = Array.from(out[session.outputNames[0]!]!.data as Float32Array, Number);
  await session.release();
  project.provide('onnxFixture', { model: Buffer.from(bytes).toString('base64'), inputs, features, expected });
}
