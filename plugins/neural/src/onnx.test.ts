import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { createPluginContext, ValidationError } from '@satcast/core';
import { lstm, onnxWindows, readOnnx, transformer, METADATA_KEY, type NeuralModel } from './index.js';
import { syntheticRows } from './synthetic.fixture.js';

const ctx = createPluginContext();
const data = syntheticRows(1200, { seed: 3 });
const base = { inputs: ['a', 'b', 'vol'], volFeature: 'vol', sequenceLength: 6, epochs: 2 };

/** Rows with NaN / Infinity holes and no context for the first ones. */
function holey() {
  const features = Object.fromEntries(Object.entries(data.features).map(([k, v]) => [k, v.slice(1000)]));
  features.a![3] = Number.NaN;
  features.b![10] = Number.NaN;
  features.a![20] = Number.POSITIVE_INFINITY;
  features.b![30] = -1e9;
  for (let i = 50; i < 60; i++) features.a![i] = Number.NaN;
  return { horizon: data.horizon, times: data.times.slice(1000), features };
}

async function runOnnx(bytes: Uint8Array, x: Float32Array, dims: number[]) {
  const s = await ort.InferenceSession.create(bytes);
  const out = await s.run({ x: new ort.Tensor('float32', x, dims) });
  return out.zHat!;
}

const variants = [
  ['lstm', lstm, { hidden: 5 }],
  ['transformer (2 heads, mean, learned)', transformer, { dModel: 6, heads: 2, ffn: 7, pooling: 'mean', positional: 'learned' }],
  ['transformer (1 head, last, sinusoidal)', transformer, { dModel: 6, heads: 1, ffn: 7, pooling: 'last', positional: 'sinusoidal' }],
] as const;

describe.each(variants)('ONNX export: %s', (name, def, arch) => {
  it('runs in onnxruntime-node and matches the TypeScript zHat (NaN, Infinity, no context)', async () => {
    const m = (await def.create(def.optionsSchema.parse({ ...base, ...arch }) as never, ctx)) as NeuralModel;
    await m.fit({ ...data, times: data.times.slice(0, 1000), target: data.target.slice(0, 1000), features: Object.fromEntries(Object.entries(data.features).map(([k, v]) => [k, v.slice(0, 1000)])) });
    const input = holey();
    const blob = m.serialize();
    expect(blob.format).toBe('onnx');
    const n = input.times.length;
    const y = await runOnnx(blob.bytes, onnxWindows(input, ['a', 'b', 'vol'], 6, 3_600_000), [n, 6, 3]);
    expect(y.dims).toEqual([n, 1]);
    const z = m.zHat(input);
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs((y.data as Float32Array)[i]! - z[i]!));
    expect(worst).toBeLessThan(1e-4);
    // not a trivial match: zHat varies across rows
    const mean = z.reduce((a, b) => a + b, 0) / n;
    expect(Math.sqrt(z.reduce((a, b) => a + (b - mean) ** 2, 0) / n)).toBeGreaterThan(1e-3);
    // the ops the graph documents
    const { opTypes, header, weights } = readOnnx(blob.bytes, METADATA_KEY);
    expect(opTypes.slice(0, 5)).toEqual(['Sub', 'Div', 'IsNaN', 'Where', 'Clip']);
    expect(opTypes).toContain(name === 'lstm' ? 'LSTM' : 'LayerNormalization');
    expect(header).toMatchObject({ model: def.name, sequenceLength: 6, inputs: ['a', 'b', 'vol'] });
    expect(weights.size).toBeGreaterThan(4);
    // deterministic bytes
    expect(m.serialize().bytes).toEqual(blob.bytes);
    // a blob of the other kind, or garbage, is a ValidationError
    const other = def.name === 'lstm' ? transformer : lstm;
    expect(() => other.load(blob, other.optionsSchema.parse({}) as never)).toThrow(/cannot load serialized model: blob holds a/);
    expect(() => def.load({ format: 'onnx', bytes: Uint8Array.of(1, 2, 3) }, def.optionsSchema.parse({}) as never)).toThrow(ValidationError);
    expect(() => def.load({ format: 'json', bytes: new TextEncoder().encode('{}') }, def.optionsSchema.parse({}) as never)).toThrow(ValidationError);
  });
});
