import { z } from 'zod';

/** Features of one asset as of `time` (the moment every input was public). */
export const FeatureVectorSchema = z.object({
  asset: z.string().min(1),
  time: z.number().int().nonnegative(),
  /** NaN is not JSON: missing values are `null`. */
  values: z.record(z.string(), z.number().finite().nullable()),
});
export type FeatureVector = z.infer<typeof FeatureVectorSchema>;

/** Registry entry describing one feature. */
export const FeatureInfoSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9_]*$/, 'snake_case feature names only'),
  description: z.string().min(1),
  /** Bars this feature needs before it is defined (defaults to the set's lookback). */
  lookback: z.number().int().nonnegative().optional(),
  /** What it reads: candle fields (`close`, `volume`, ...) or observation keys (`source:series`). */
  inputs: z.array(z.string().min(1)).optional(),
});
export type FeatureInfo = z.infer<typeof FeatureInfoSchema>;
