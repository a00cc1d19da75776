import { z } from 'zod';
import { HorizonSchema } from '../time.js';

export const RoleSchema = z.enum(['viewer', 'operator', 'admin']);
export type Role = z.infer<typeof RoleSchema>;

/** An API key as stored: only the SHA-256 of the secret is kept; the secret is shown once at creation. */
export const ApiKeyRowSchema = z.object({
  id: z.string().regex(/^[a-z0-9_-]{6,64}$/),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  owner: z.string().min(1).max(200),
  role: RoleSchema,
  createdAt: z.number().int().nonnegative(),
  revokedAt: z.number().int().nonnegative().optional(),
});
export type ApiKeyRow = z.infer<typeof ApiKeyRowSchema>;

/** A user's alert rule, evaluated on every new prediction (delivery arrives with the monitoring issue). */
export const AlertRuleInputSchema = z.strictObject({
  name: z.string().min(1).max(120),
  /** `confidence_above`: confidence >= threshold; `price_outside_band`: realised price leaves [p05, p95]. */
  kind: z.enum(['confidence_above', 'price_outside_band']),
  horizon: HorizonSchema,
  threshold: z.number().min(0.5).max(1).optional(),
  channel: z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('webhook'), url: z.url({ protocol: /^https?$/ }) }),
    z.strictObject({ type: z.literal('dashboard') }),
  ]),
  enabled: z.boolean().default(true),
}).refine((r) => r.kind !== 'confidence_above' || r.threshold !== undefined, { path: ['threshold'], message: 'required for confidence_above' });
export type AlertRuleInput = z.input<typeof AlertRuleInputSchema>;

export const AlertRuleSchema = z.object({
  id: z.string().min(1),
  owner: z.string().min(1),
  name: z.string().min(1).max(120),
  kind: z.enum(['confidence_above', 'price_outside_band']),
  horizon: HorizonSchema,
  threshold: z.number().optional(),
  channel: z.record(z.string(), z.unknown()),
  enabled: z.boolean(),
  createdAt: z.number().int().nonnegative(),
  updatedAt: z.number().int().nonnegative(),
});
export type AlertRule = z.infer<typeof AlertRuleSchema>;
