import { describe, expect, it } from 'vitest';
import { ValidationError } from '@satcast/core';
import { decodeEnvelope, encodeEnvelope, ENVELOPE_KEY, exportLinearOnnx, forecastFromStandardized, type EnvelopeHeader } from './index.js';
import { onnx as onnxProto } from './proto.js';

const header: EnvelopeHeader = {
  model: 'ridge',
  horizon: '4h',
  inputs: ['a', 'b'],
  onnx: { input: 'features', output: 'z' },
  sigma: { volFeature: 'ewma_vol', barMs: 3_600_000, horizonMs: 4 * 3_600_000, fallbackVol: 0.005 },
  calibration: {
    method: 'split-conformal',
    rows: 500,
    residualQuantiles: { p05: -1.6, p25: -0.6, p50: 0, p75: 0.6, p95: 1.7 },
    platt: { a: 2, b: 0.1, zMin: -0.2, zMax: 0.3 },
  },
  trainRows: 2500,
  trainedUntil: 1_700_000_000_000,
  extra: { note: 'x' },
};
const onnx = exportLinearOnnx({ inputs: ['a', 'b'], mean: [0, 0], std: [1, 1], clip: 5, intercept: 0, coef: [1, 2] }, { model: 'ridge', horizon: '4h' });
const rewrite = (bytes: Uint8Array, edit: (json: string) => string) => {
  const m = onnxProto.ModelProto.decode(bytes);
  const e = m.metadataProps!.find((x) => x.key === ENVELOPE_KEY)!;
  e.value = edit(e.value ?? '');
  return onnxProto.ModelProto.encode(m).finish();
};

describe('model envelope', () => {
  it('is an ordinary ONNX model: the graph bytes unchanged, the header in metadata_props', () => {
    const bytes = encodeEnvelope({ header, onnx });
    expect(bytes.subarray(0, onnx.length)).toEqual(onnx);
    const m = onnxProto.ModelProto.decode(bytes);
    expect(m.graph!.node!.map((n) => n.opType)).toEqual(['Imputer', 'Scaler', 'Clip', 'LinearRegressor']);
    expect(m.metadataProps!.map((e) => e.key)).toContain(ENVELOPE_KEY);
  });

  it('round-trips the header (with its version) and hands back the ONNX bytes', () => {
    const bytes = encodeEnvelope({ header, onnx });
    const back = decodeEnvelope(bytes);
    expect(back.header).toEqual({ envelope: 1, ...header });
    expect(back.onnx).toBe(bytes);
  });

  it('re-encoding an envelope: the newest header wins', () => {
    const once = encodeEnvelope({ header, onnx });
    const twice = encodeEnvelope({ header: { ...header, trainRows: 7 }, onnx: once });
    expect(decodeEnvelope(twice).header.trainRows).toBe(7);
  });

  it('refuses other bytes with a reason', () => {
    expect(() => decodeEnvelope(onnx)).toThrow(/not a Satcast model envelope: no "satcast.envelope" metadata/);
    expect(() => decodeEnvelope(Uint8Array.from([0xff, 0xff, 0xff]))).toThrow(/not an ONNX model/);
    const notJson = rewrite(encodeEnvelope({ header, onnx }), () => '{oops');
    expect(() => decodeEnvelope(notJson)).toThrow(/envelope header is not JSON/);
    const future = rewrite(encodeEnvelope({ header, onnx }), (j) => j.replace('"envelope":1', '"envelope":2'));
    expect(() => decodeEnvelope(future)).toThrow(/envelope header: envelope/);
  });

  it('names a bad header field', () => {
    const broken = rewrite(encodeEnvelope({ header, onnx }), (j) => j.replace('"4h"', '"2h"'));
    try {
      decodeEnvelope(broken, 'gbdt');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).field).toBe('horizon');
      expect((err as Error).message).toMatch(/\[gbdt\] envelope header: horizon/);
    }
  });

  it('turns zHat into a forecast: sigma_h scaling, conformal band, clamped Platt', () => {
    const f = forecastFromStandardized(header, 0.1, 0.01);
    const sigma = 0.01 * 2; // sqrt(4h / 1h) = 2
    expect(f.point).toBeCloseTo(sigma * 0.1, 15);
    expect(f.quantiles.p05).toBeCloseTo(sigma * (0.1 - 1.6), 15);
    expect(f.quantiles.p95).toBeCloseTo(sigma * (0.1 + 1.7), 15);
    expect(f.pUp).toBeCloseTo(1 / (1 + Math.exp(-(2 * 0.1 + 0.1))), 15);
    // Beyond the calibration fold's scores pUp stops moving; the point does not.
    const far = forecastFromStandardized(header, 3, 0.01);
    expect(far.pUp).toBeCloseTo(1 / (1 + Math.exp(-(2 * 0.3 + 0.1))), 15);
    expect(far.point).toBeCloseTo(sigma * 3, 15);
    // Missing volatility: the training mean volatility, flagged.
    const noVol = forecastFromStandardized(header, 0.1, Number.NaN);
    expect(noVol.point).toBeCloseTo(0.005 * 2 * 0.1, 15);
    expect(noVol.info).toMatchObject({ volImputed: true });
  });
});
