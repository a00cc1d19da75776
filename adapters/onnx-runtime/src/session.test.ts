import { describe, expect, it } from 'vitest';
import { SatcastError, ValidationError } from '@satcast/core';
import { exportLinearOnnx } from '@satcast/plugin-linear';
import { createOnnxSession, packRows } from './index.js';

// zHat = 0.5 + clip((a - 1) / 2, ±5) - clip((b - 2) / 4, ±5), NaN imputed with the means 1 and 2.
const tiny = exportLinearOnnx({ inputs: ['a', 'b'], mean: [1, 2], std: [2, 4], clip: 5, intercept: 0.5, coef: [1, -1] }, { model: 'ridge', horizon: '1h' });

describe('packRows', () => {
  it('packs columns row-major in the given order, infinities as NaN', () => {
    const p = packRows({ b: Float64Array.from([10, 20]), a: [1, -Infinity] }, ['a', 'b']);
    expect(p).toMatchObject({ rows: 2, cols: 2 });
    expect(Array.from(p.data)).toEqual([1, 10, Number.NaN, 20]);
  });

  it('names a missing or misaligned column', () => {
    expect(() => packRows({ a: [1] }, ['a', 'b'])).toThrow(/missing input column "b"/);
    expect(() => packRows({ a: [1], b: [1, 2] }, ['a', 'b'])).toThrow(ValidationError);
    expect(() => packRows({ a: [1], b: [1, 2] }, ['a', 'b'])).toThrow(/"b" has 2 rows, "a" has 1/);
  });
});

describe('createOnnxSession (onnxruntime-node, CPU)', () => {
  it('runs rows through the graph: imputation, standardisation, clipping, linear map', async () => {
    const s = await createOnnxSession(tiny);
    expect(s.inputNames).toEqual(['features']);
    expect(s.outputNames).toEqual(['z']);
    expect(s.executionProviders).toEqual(['cpu']);
    const z = await s.runRows({ a: Float64Array.from([3, 100, Number.NaN, 1]), b: Float64Array.from([Number.NaN, 2, 6, Infinity]) }, ['a', 'b']);
    expect(z).toBeInstanceOf(Float64Array);
    expect(Array.from(z)).toEqual([1.5, 5.5, -0.5, 0.5]);
    expect(await s.runRows({ a: new Float64Array(0), b: new Float64Array(0) }, ['a', 'b'])).toHaveLength(0);
    await expect(s.runRows({ a: [1], b: [1] }, ['a', 'b'], { output: 'nope' })).rejects.toThrow(/unknown output "nope"/);
    await s.release();
  });

  it('batched and one-row-at-a-time runs agree (rows are independent)', async () => {
    const s = await createOnnxSession(tiny);
    const a = Float64Array.from({ length: 257 }, (_v, i) => Math.sin(i) * 3);
    const b = Float64Array.from({ length: 257 }, (_v, i) => (i % 13 === 0 ? Number.NaN : Math.cos(i) * 5));
    const all = await s.runRows({ a, b }, ['a', 'b']);
    for (const i of [0, 13, 100, 256]) expect((await s.runRows({ a: [a[i]!], b: [b[i]!] }, ['a', 'b']))[0]).toBe(all[i]);
    await s.release();
  });

  it('GPU providers fall back to the CPU with a warning when their libraries are absent', async () => {
    const warnings: string[] = [];
    const s = await createOnnxSession(tiny, { executionProviders: ['tensorrt', 'cuda'], log: { warn: (m) => warnings.push(m) } });
    if (s.fellBack) {
      // This machine (like the CI runner) has no GPU libraries: the honest outcome is CPU + a warning.
      expect(s.executionProviders).toEqual(['cpu']);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/tensorrt, cuda unavailable; running on the CPU/);
    } else {
      expect(s.executionProviders).toContain('cuda');
      expect(warnings).toHaveLength(0);
    }
    expect(Array.from(await s.runRows({ a: [3], b: [2] }, ['a', 'b']))).toEqual([1.5]);
    await s.release();
  });

  it('refuses an unknown provider and bytes that are not ONNX', async () => {
    await expect(createOnnxSession(tiny, { executionProviders: ['rocm' as never] })).rejects.toThrow(/unknown execution provider "rocm"/);
    await expect(createOnnxSession(Uint8Array.from([1, 2, 3, 4]))).rejects.toThrow(SatcastError);
  });
});
