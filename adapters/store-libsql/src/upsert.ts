import type { Client, InStatement, InValue } from '@libsql/client';
import type { UpsertResult } from '@satcast/core';
import { getTableColumns } from 'drizzle-orm';
import { getTableConfig, type SQLiteTable } from 'drizzle-orm/sqlite-core';

/** SQLITE_MAX_VARIABLE_NUMBER of SQLite >= 3.32, which libSQL builds on; one statement may bind this many values. */
const MAX_VARIABLES = 32_766;

/** A prepared shape for idempotent multi-row upserts into one table. */
export interface UpsertPlan {
  table: string;
  /** JS property names of the row objects, in column order. */
  props: string[];
  rowsPerStatement: number;
  /** `INSERT INTO t (...) VALUES ` */
  head: string;
  /** `ON CONFLICT (key) DO UPDATE SET ... WHERE <some value differs>` */
  tail: string;
  rowPlaceholder: string;
}

const q = (id: string) => `"${id.replaceAll('"', '""')}"`;

/**
 * Build the upsert for `table` keyed on its primary key. The `WHERE ... IS NOT excluded...` clause makes an
 * identical row a no-op, so SQLite's change count tells written rows from unchanged ones.
 */
export function planUpsert(table: SQLiteTable, opts: { rowsPerStatement?: number } = {}): UpsertPlan {
  const config = getTableConfig(table);
  const entries = Object.entries(getTableColumns(table));
  const key = config.primaryKeys[0]?.columns.map((c) => c.name) ?? entries.filter(([, c]) => c.primary).map(([, c]) => c.name);
  const cols = entries.map(([, c]) => c.name);
  const rest = cols.filter((c) => !key.includes(c));
  const name = q(config.name);
  return {
    table: config.name,
    props: entries.map(([p]) => p),
    rowsPerStatement: opts.rowsPerStatement ?? Math.floor(MAX_VARIABLES / cols.length),
    head: `INSERT INTO ${name} (${cols.map(q).join(', ')}) VALUES `,
    tail:
      ` ON CONFLICT (${key.map(q).join(', ')}) DO UPDATE SET ${rest.map((c) => `${q(c)} = excluded.${q(c)}`).join(', ')}` +
      ` WHERE ${rest.map((c) => `${name}.${q(c)} IS NOT excluded.${q(c)}`).join(' OR ')}`,
    rowPlaceholder: `(${cols.map(() => '?').join(', ')})`,
  };
}

/**
 * Write `rows` (objects keyed like the drizzle table) in one write transaction, as few multi-row statements
 * as the variable limit allows. Inserted rows are told from updated ones by the table's row count before and
 * after, read inside the same transaction, so no other writer can skew them.
 */
export async function runUpsert(client: Client, plan: UpsertPlan, rows: ReadonlyArray<Record<string, unknown>>): Promise<UpsertResult> {
  if (rows.length === 0) return { inserted: 0, updated: 0, unchanged: 0 };
  const count = `SELECT count(*) FROM ${q(plan.table)}`;
  const stmts: InStatement[] = [count];
  const width = plan.props.length;
  let fullSql: string | undefined;
  for (let start = 0; start < rows.length; start += plan.rowsPerStatement) {
    const end = Math.min(rows.length, start + plan.rowsPerStatement);
    const args = new Array<InValue>((end - start) * width);
    let k = 0;
    for (let i = start; i < end; i++) {
      const row = rows[i]!;
      for (const p of plan.props) args[k++] = (row[p] ?? null) as InValue;
    }
    const n = end - start;
    const sql = n === plan.rowsPerStatement ? (fullSql ??= build(plan, n)) : build(plan, n);
    stmts.push({ sql, args });
  }
  stmts.push(count);
  const res = await client.batch(stmts, 'write');
  const before = Number(res[0]!.rows[0]![0]);
  const after = Number(res[res.length - 1]!.rows[0]![0]);
  let changed = 0;
  for (let i = 1; i < res.length - 1; i++) changed += res[i]!.rowsAffected;
  const inserted = after - before;
  return { inserted, updated: changed - inserted, unchanged: rows.length - changed };
}

function build(plan: UpsertPlan, n: number): string {
  return plan.head + new Array<string>(n).fill(plan.rowPlaceholder).join(', ') + plan.tail;
}
