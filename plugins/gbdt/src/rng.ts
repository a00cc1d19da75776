/**
 * Seeded pseudo-random numbers (mulberry32). Every random choice of the tree learners (row and column
 * subsampling, bootstrap draws) goes through one of these, so a fit is reproducible from its seed and
 * identical in Node, workerd and a browser.
 */
import { seededRandom } from '@satcast/core';

export type Rng = () => number;

/** Uniform [0, 1) generator from a 32-bit seed (core's mulberry32). */
export const mulberry32: (seed: number) => Rng = seededRandom;

/** `k` distinct indices of 0..n-1, ascending (partial Fisher-Yates). */
export function sampleIndices(n: number, k: number, rng: Rng): Int32Array {
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const m = Math.max(1, Math.min(n, k));
  for (let i = 0; i < m; i++) {
    const j = i + Math.floor(rng() * (n - i));
    const t = all[i]!;
    all[i] = all[j]!;
    all[j] = t;
  }
  return all.subarray(0, m).sort();
}
