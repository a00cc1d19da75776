import { z } from 'zod';

/**
 * A non-candle data point (on-chain metric, index value, macro close). `eventTime` is the period it
 * describes; `availableAt` is when it became public. Point-in-time reads at time t use only rows with
 * availableAt <= t. Natural key: (source, series, eventTime, availableAt) so revisions are kept, not
 * overwritten.
 */
export const ObservationSchema = z
  .object({
    source: z.string().min(1).max(64),
    series: z.string().min(1).max(128),
    eventTime: z.number().int().nonnegative(),
    availableAt: z.number().int().nonnegative(),
    value: z.number().finite(),
    /** Extra fields carried with the value (e.g. a classification label). */
    attrs: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
    schemaVersion: z.number().int().positive().default(1),
  })
  .refine((o) => o.availableAt >= o.eventTime, {
    path: ['availableAt'],
    message: 'availableAt must not precede eventTime',
  });
export type Observation = z.infer<typeof ObservationSchema>;
export type ObservationInput = z.input<typeof ObservationSchema>;

/** A record a source could not accept; stored in quarantine with the reason, never silently dropped. */
export const RejectedRecordSchema = z.object({
  source: z.string().min(1),
  /** What kind of record it was meant to be (`candle`, `observation`, `message`). */
  kind: z.string().min(1),
  reason: z.string().min(1),
  payload: z.unknown(),
  receivedAt: z.number().int().nonnegative(),
});
export type RejectedRecord = z.infer<typeof RejectedRecordSchema>;
