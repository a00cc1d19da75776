import { z } from 'zod';

export const SeveritySchema = z.enum(['info', 'warning', 'critical']);
export type Severity = z.infer<typeof SeveritySchema>;

/** An alert raised by a rule; `dedupKey` groups repeats, `status` moves firing -> resolved. */
export const AlertSchema = z.object({
  id: z.string().min(1),
  rule: z.string().min(1),
  severity: SeveritySchema,
  status: z.enum(['firing', 'resolved']),
  dedupKey: z.string().min(1),
  title: z.string().min(1).max(200),
  message: z.string().max(4000),
  createdAt: z.number().int().nonnegative(),
  labels: z.record(z.string(), z.string()).default({}),
});
export type Alert = z.infer<typeof AlertSchema>;
