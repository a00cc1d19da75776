import { ValidationError } from '@satcast/core';
import { describe, expect, it } from 'vitest';
import { equalWeight } from './equal.js';
import { normal } from './test-utils.js';

describe('equalWeight', () => {
  it('averages quantiles, point and probabilities of present members', () => {
    const f = equalWeight({ a: normal(0, 1), b: normal(2, 3), c: undefined });
    expect(f.point).toBeCloseTo(1, 12);
    expect(f.quantiles.p95).toBeCloseTo(1 + 2 * 1.6448536, 6);
    expect(f.pUp).toBeCloseTo((normal(0, 1).pUp + normal(2, 3).pUp) / 2, 12);
    expect(f.info).toEqual({ method: 'equal', weights: { a: 0.5, b: 0.5 } });
    expect(equalWeight([normal(0, 1), normal(2, 3)]).quantiles).toEqual(f.quantiles);
  });

  it('throws a ValidationError when nothing is usable', () => {
    expect(() => equalWeight({ a: { ...normal(0, 1), pUp: Number.NaN } })).toThrow(ValidationError);
  });
});
