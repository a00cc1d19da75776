import { describe, expect, it } from 'vitest';
import { fitStandardiser, onnxWindows, Sequence, standardise } from './index.js';

const H = 3_600_000;
const t0 = Date.UTC(2024, 0, 1);

describe('windows', () => {
  // rows 0..4 consecutive, then a 3-hour gap before rows 5..6
  const times = Float64Array.from([0, 1, 2, 3, 4, 7, 8], (k) => t0 + k * H);
  const main = { times, features: { a: Float64Array.from([10, 11, 12, 13, 14, 15, 16]) } };

  it('a window never reaches across a time gap or before the first row (missing = NaN)', () => {
    const w = new Sequence(main, ['a'], H).windows([0, 2, 5, 6], 3);
    expect(Array.from(w)).toEqual([NaN, NaN, 10, 10, 11, 12, NaN, NaN, 15, NaN, 15, 16]);
  });

  it('reads context only when it ends one bar before the first row', () => {
    const first = { times: times.slice(0, 2), features: { a: Float64Array.from([10, 11]) } };
    const adjacent = { times: Float64Array.from([t0 - 2 * H, t0 - H]), features: { a: Float64Array.from([8, 9]) } };
    const stale = { times: Float64Array.from([t0 - 5 * H, t0 - 4 * H]), features: { a: Float64Array.from([8, 9]) } };
    const noFeature = { times: adjacent.times, features: {} };
    expect(Array.from(new Sequence(first, ['a'], H, adjacent).windows([0, 1], 3))).toEqual([8, 9, 10, 9, 10, 11]);
    expect(Array.from(new Sequence(first, ['a'], H, stale).windows([0, 1], 3))).toEqual([NaN, NaN, 10, NaN, 10, 11]);
    expect(Array.from(new Sequence(first, ['a'], H, noFeature).windows([0], 3))).toEqual([NaN, NaN, 10]);
    // onnxWindows: the same windows as float32 [N, L, F]
    const x = onnxWindows({ horizon: '1h', ...first, context: adjacent }, ['a'], 3, H);
    expect(x).toBeInstanceOf(Float32Array);
    expect(Array.from(x)).toEqual([8, 9, 10, 9, 10, 11]);
  });

  it('standardises with the fit rows only, NaN -> 0, clipped (Infinity to the bound)', () => {
    const col = Float64Array.from([1, 3, NaN, 1000]);
    const st = fitStandardiser([col], 0, 2, 5);
    expect(st.mean).toEqual([2]);
    expect(st.sd).toEqual([1]);
    expect(Array.from(standardise(Float64Array.from([2, 4, NaN, 1000, -Infinity]), st))).toEqual([0, 2, 0, 5, -5]);
    // a constant column gets sd 1
    expect(fitStandardiser([Float64Array.from([4, 4, 4])], 0, 3, 5).sd).toEqual([1]);
  });
});
