/**
 * Seeded pseudo-random numbers (mulberry32). Every random choice of the tree learners (row and column
 * subsampling, bootstrap draws) goes through one of these, so a fit is reproducible from its seed and
 * identical in Node, workerd and a browser.
 */
export type Rng = () => number;

/** Uniform [0, 1) generator from a 32-bit seed. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
