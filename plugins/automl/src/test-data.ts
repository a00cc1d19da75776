/**
 * Test-only synthetic rows (not exported): hourly rows whose 1 h target depends on f0, f1, f2 only;
 * the other features are noise. Volatility is constant (`ewma_vol` = 0.01), so z = 100 * target.
 */
import { seededRandom, type TrainingSet } from '@satcast/core';

export function gaussian(rnd: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
}

export function syntheticRows(n: number, nFeatures: number, seed = 1): TrainingSet {
  const g = gaussian(seededRandom(seed));
  const features: Record<string, Float64Array> = {};
  for (let j = 0; j < nFeatures; j++) features[`f${j}`] = Float64Array.from({ length: n }, g);
  features.ewma_vol = new Float64Array(n).fill(0.01);
  const target = Float64Array.from({ length: n }, (_, i) => 0.01 * (0.6 * features.f0![i]! - 0.4 * features.f1![i]! + 0.25 * features.f2![i]! + g()));
  return { horizon: '1h', times: Float64Array.from({ length: n }, (_, i) => 1.7e12 + i * 3_600_000), features, target };
}
