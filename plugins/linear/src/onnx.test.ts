import { describe, expect, it } from 'vitest';
import { exportLinearOnnx, readLinearOnnx } from './index.js';

describe('ONNX export', () => {
  const p = { inputs: ['logret_1', 'rsi_14', 'ewma_vol'], mean: [0.0001, 50.2, 0.004], std: [0.005, 12.1, 0.002], clip: 5, intercept: 0.0123, coef: [-0.05, 0.02, 0.001] };
  const bytes = exportLinearOnnx(p, { model: 'ridge', horizon: '1h' });

  it('is Imputer -> Scaler -> Clip -> LinearRegressor holding the model\'s numbers (float32)', () => {
    const back = readLinearOnnx(bytes);
    expect(back.opTypes).toEqual(['Imputer', 'Scaler', 'Clip', 'LinearRegressor']);
    expect(back.inputs).toEqual(p.inputs);
    back.mean.forEach((v, j) => expect(v).toBe(Math.fround(p.mean[j]!)));
    back.coef.forEach((v, j) => expect(v).toBe(Math.fround(p.coef[j]!)));
    back.std.forEach((v, j) => expect(v).toBeCloseTo(p.std[j]!, 6));
    expect(back.intercept).toBe(Math.fround(p.intercept));
    expect(back.clip).toBe(5);
  });

  it('is deterministic (same model, same bytes)', () => {
    expect(exportLinearOnnx(p, { model: 'ridge', horizon: '1h' })).toEqual(bytes);
  });
});
