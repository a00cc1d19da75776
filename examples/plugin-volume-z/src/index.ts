/** @module A third-party feature set: z-score of log volume against its trailing `window` bars. */
import { z } from 'zod';
import { defineFeatureSet } from '@satcast/core';
const optionsSchema = z.strictObject({ window: z.number().int().min(2).max(10_000).default(48) });
/** z of log(1 + volume) over the previous `window` bars (the current bar is not in its own baseline). */
function zscore(history: number[], x: number): number {
  const mean = history.reduce((s, v) => s + v, 0) / history.length;
  const sd = Math.sqrt(history.reduce((s, v) => s + (v - mean) ** 2, 0) / history.length);
  return sd > 0 ? (x - mean) / sd : 0;
}
export default defineFeatureSet({
  name: 'volume-z',
  apiVersion: 1,
  optionsSchema,
  inputs: [{ kind: 'candles', interval: '1h' }],
  publicationLag: 0,
  lookback: (o) => o.window,
  features: (o) => [{ name: 'volume_z', description: `z-score of log volume vs the previous ${o.window} bars` }],
  create: (o) => ({
    batch: (f) => {
      const lv = Array.from(f.volume, (v) => Math.log1p(v));
      const out = new Float64Array(lv.length).fill(Number.NaN);
      for (let i = o.window; i < lv.length; i++) out[i] = zscore(lv.slice(i - o.window, i), lv[i]!);
      return { volume_z: out };
    },
    incremental: () => {
      const hist: number[] = [];
      return {
        update: (c) => {
          const x = Math.log1p(c.volume);
          const z = hist.length === o.window ? zscore(hist, x) : Number.NaN;
          hist.push(x);
          if (hist.length > o.window) hist.shift();
          return { volume_z: z };
        },
      };
    },
  }),
});
