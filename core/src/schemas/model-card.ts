import { z } from 'zod';
import { HorizonSchema } from '../time.js';

/** What a trained model version is: enough to reproduce and judge it. */
export const ModelCardSchema = z.object({
  name: z.string().min(1),
  version: z.string().min(1),
  createdAt: z.number().int().nonnegative(),
  horizons: z.array(HorizonSchema).min(1),
  format: z.enum(['json', 'onnx']),
  features: z.array(z.string()),
  dataRange: z.object({ from: z.number().int(), to: z.number().int() }),
  params: z.record(z.string(), z.unknown()).default({}),
  /** Validation scores per horizon, always beside persistence's. */
  validation: z.record(z.string(), z.record(z.string(), z.number())).default({}),
  parent: z.string().optional(),
  codeVersion: z.string().optional(),
  artifactSha256: z.string().optional(),
});
export type ModelCard = z.infer<typeof ModelCardSchema>;
