/** Option checking shared by the three plugins: zod issues become a ValidationError naming the field. */
import { ValidationError } from '@satcast/core';
import type { z } from 'zod';

/**
 * Parse options with a plugin's schema; on failure throw a `ValidationError` whose `field` is the dotted
 * path of the first bad option. `create` calls it too, so options that skipped the config loader are
 * still checked.
 * @example
 * const o = parseOptions('garch', garch.optionsSchema, { calibrationFraction: 0.3 });
 */
export function parseOptions<T>(plugin: string, schema: z.ZodType<T, unknown>, raw: unknown): T {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const first = r.error.issues[0]!;
  const field = first.path.map(String).join('.') || undefined;
  throw new ValidationError(`invalid option${field ? ` "${field}"` : ''}: ${first.message}`, {
    plugin,
    field,
    issues: r.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
  });
}
