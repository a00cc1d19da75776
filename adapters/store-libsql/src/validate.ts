import { ValidationError } from '@satcast/core';

/** Name used in errors raised by this adapter. */
export const PLUGIN = 'store-libsql';

type Issues = ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>;

/** The slice of a zod schema used here. */
interface Schema<T> {
  safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: Issues } };
}

/**
 * Parse every row before anything is written, so a bad row rejects the whole batch. The error names the
 * call, the row index and the field (`field` is `"<row>.<path>"`, e.g. `"3.high"`).
 */
export function validateRows<T>(what: string, schema: Schema<T>, rows: readonly unknown[]): T[] {
  if (!Array.isArray(rows)) throw new ValidationError(`${what}: expected an array of rows`, { plugin: PLUGIN });
  const out = new Array<T>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const res = schema.safeParse(rows[i]);
    if (res.success) {
      out[i] = res.data;
      continue;
    }
    const issues = res.error.issues.map((iss) => ({ path: iss.path.map(String).join('.'), message: iss.message }));
    const first = issues[0]!;
    const field = first.path ? `${i}.${first.path}` : String(i);
    throw new ValidationError(`${what}: row ${i} field "${first.path || '(row)'}": ${first.message}`, { plugin: PLUGIN, field, issues });
  }
  return out;
}

/** Canonical JSON (sorted keys) so equal values give equal text; one definition, in core. */
export { canonicalJson } from '@satcast/core';

/** The part of a model version before `@` (`gbdt@3` -> `gbdt`). */
export function modelName(modelVersion: string): string {
  const at = modelVersion.indexOf('@');
  return at < 0 ? modelVersion : modelVersion.slice(0, at);
}
