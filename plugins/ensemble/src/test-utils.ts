/** Test-only helpers: normal-band member forecasts and seeded normal draws. Not exported by the package. */
import { meanPinball, seededRandom, ValidationError, type QuantileKey, type ReturnForecast } from '@satcast/core';
import { expect } from 'vitest';
import { KEYS } from './common.js';

/** Inverse standard normal CDF at the quantile levels (to 7 digits). */
export const Z: Record<QuantileKey, number> = { p05: -1.6448536, p25: -0.6744898, p50: 0, p75: 0.6744898, p95: 1.6448536 };

/** Standard normal CDF (Abramowitz-Stegun 7.1.26 erf, |error| < 1.5e-7). */
export function normCdf(x: number): number {
  const t = 1 / (1 + 0.3275911 * (Math.abs(x) / Math.SQRT2));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-(x * x) / 2);
  return x >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

/** A normal-band forecast N(mu, sigma^2) with pUp = P(Y > 0). */
export function normal(mu: number, sigma: number, info?: Record<string, unknown>): ReturnForecast {
  const quantiles = {} as Record<QuantileKey, number>;
  for (const k of KEYS) quantiles[k] = mu + sigma * Z[k];
  return { point: mu, quantiles, pUp: normCdf(mu / sigma), ...(info ? { info } : {}) };
}

/** Seeded standard normal sampler (Box-Muller). */
export function gaussian(seed: number): () => number {
  const u = seededRandom(seed);
  return () => {
    const a = Math.max(1e-12, u());
    return Math.sqrt(-2 * Math.log(a)) * Math.cos(2 * Math.PI * u());
  };
}

/** Mean pinball over levels (core's, so tests score as the platform does). */
export const pin = meanPinball;

export const isSorted = (q: Record<QuantileKey, number>): boolean => KEYS.every((k, i) => i === 0 || q[KEYS[i - 1]!] <= q[k]);
export const HOUR = 3_600_000;

/** The `field` of the ValidationError `fn` throws (fails the test if it throws anything else, or nothing). */
export function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as ValidationError).field;
  }
  throw new Error('did not throw');
}
