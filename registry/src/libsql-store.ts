/**
 * `RegistryStore` on libSQL. Reads are plain queries; every change to a line is one `client.batch(…,
 * 'write')` whose first statement is a guard: it inserts `ok = (rev = expected)` into `registry_guard`,
 * whose CHECK (ok = 1) aborts the whole batch when another writer moved the line. So a commit is atomic and
 * compare-and-swap without holding a connection across awaits (which on `:memory:` would block every other
 * query of a shared client).
 */
import type { Client, InStatement, Row } from '@libsql/client';
import { canonicalJson, ValidationError, type Horizon } from '@satcast/core';
import { ConflictError, PLUGIN } from './errors.js';
import { migrate, openClient, type RegistryConnection } from './libsql-client.js';
import type { DecisionFilter, LineState, RegistryStore, VersionFilter } from './store.js';
import { ALIASES, type Alias, type Decision, type LineKey, type ModelVersion, type NewDecision, type RegistryCard } from './types.js';

export interface LibsqlRegistryStoreOptions extends RegistryConnection {
  /** Reuse an open client (e.g. the main store's `client`, required to share a `:memory:` database). */
  client?: Client;
  /** Apply pending migrations when opening (default true). */
  migrate?: boolean;
}

const LINE_WHERE = 'asset = ? AND horizon = ? AND name = ?';
const lineArgs = (l: LineKey) => [l.asset, l.horizon, l.name];

function isGuardViolation(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (/registry_guard|CHECK constraint/i.test(String((e as { message?: unknown }).message))) return true;
  }
  return false;
}


function toVersion(r: Row): ModelVersion {
  const v: ModelVersion = {
    version: String(r.version), asset: String(r.asset), horizon: String(r.horizon) as Horizon, name: String(r.name), seq: Number(r.seq),
    card: JSON.parse(String(r.card)) as RegistryCard, format: String(r.format) as ModelVersion['format'],
    artifact: { sha256: String(r.artifact_sha256), key: String(r.artifact_key), size: Number(r.artifact_size) },
    dataRange: { from: Number(r.data_from), to: Number(r.data_to) }, createdAt: Number(r.created_at),
  };
  if (r.parent !== null) v.parent = String(r.parent);
  if (r.code_version !== null) v.codeVersion = String(r.code_version);
  if (r.archived_at !== null) v.archivedAt = Number(r.archived_at);
  return v;
}

function toDecision(r: Row): Decision {
  const d: Decision = {
    id: Number(r.id), at: Number(r.at), asset: String(r.asset), horizon: String(r.horizon) as Horizon, name: String(r.name),
    action: String(r.action) as Decision['action'], actor: String(r.actor), reason: String(r.reason),
    numbers: JSON.parse(String(r.numbers)) as Decision['numbers'], rev: Number(r.rev),
  };
  if (r.alias !== null) d.alias = String(r.alias) as Alias;
  if (r.from_version !== null) d.fromVersion = String(r.from_version);
  if (r.to_version !== null) d.toVersion = String(r.to_version);
  return d;
}

function decisionInsert(l: LineKey, d: NewDecision, rev: number): InStatement {
  return {
    sql: `INSERT INTO registry_decisions (at, asset, horizon, name, action, alias, from_version, to_version, actor, reason, numbers, rev) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`,
    args: [d.at, l.asset, l.horizon, l.name, d.action, d.alias ?? null, d.fromVersion ?? null, d.toVersion ?? null, d.actor, d.reason, canonicalJson(d.numbers ?? {}), rev],
  };
}

function where(filter: Record<string, unknown>, cols: string[]): { sql: string; args: Array<string | number> } {
  const parts: string[] = [];
  const args: Array<string | number> = [];
  for (const c of cols) {
    const v = filter[c];
    if (v !== undefined) {
      parts.push(`${c} = ?`);
      args.push(v as string);
    }
  }
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', args };
}

/**
 * Open (and by default migrate) the registry's tables. Default URL `:memory:`.
 * @example
 * const store = await createLibsqlRegistryStore({ url: 'file:.satcast/satcast.db' });
 */
export async function createLibsqlRegistryStore(opts: LibsqlRegistryStoreOptions = {}): Promise<RegistryStore & { client: Client }> {
  const ownClient = !opts.client;
  const client = opts.client ?? (await openClient(opts));
  try {
    if (opts.migrate !== false) await migrate(client);
  } catch (err) {
    if (ownClient) client.close();
    throw err;
  }

  async function readLine(l: LineKey): Promise<LineState> {
    const [lineRes, aliasRes] = await client.batch(
      [
        { sql: `SELECT rev, next_seq FROM registry_lines WHERE ${LINE_WHERE}`, args: lineArgs(l) },
        { sql: `SELECT alias, version FROM registry_aliases WHERE ${LINE_WHERE}`, args: lineArgs(l) },
      ],
      'read',
    );
    const row = lineRes!.rows[0];
    const aliases: LineState['aliases'] = {};
    for (const r of aliasRes!.rows) aliases[String(r.alias) as Alias] = String(r.version);
    return { rev: row ? Number(row.rev) : 0, nextSeq: row ? Number(row.next_seq) : 1, aliases };
  }

  return {
    client,
    readLine,

    async commit(l, expectedRev, change) {
      const rev = expectedRev + 1;
      const stmts: InStatement[] = [
        { sql: `INSERT INTO registry_lines (asset, horizon, name, rev, next_seq) VALUES (?,?,?,0,1) ON CONFLICT DO NOTHING`, args: lineArgs(l) },
        { sql: `INSERT INTO registry_guard (ok) SELECT rev = ? FROM registry_lines WHERE ${LINE_WHERE}`, args: [expectedRev, ...lineArgs(l)] },
        'DELETE FROM registry_guard',
      ];
      const v = change.insertVersion;
      if (v) {
        stmts.push({ sql: `INSERT INTO registry_guard (ok) SELECT next_seq = ? FROM registry_lines WHERE ${LINE_WHERE}`, args: [v.seq, ...lineArgs(l)] }, 'DELETE FROM registry_guard');
        stmts.push({
          sql: `INSERT INTO registry_versions (version, asset, horizon, name, seq, card, format, artifact_sha256, artifact_key, artifact_size, parent, data_from, data_to, code_version, created_at, archived_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,NULL)`,
          args: [v.version, v.asset, v.horizon, v.name, v.seq, canonicalJson(v.card), v.format, v.artifact.sha256, v.artifact.key, v.artifact.size, v.parent ?? null, v.dataRange.from, v.dataRange.to, v.codeVersion ?? null, v.createdAt],
        });
        stmts.push({ sql: `UPDATE registry_lines SET next_seq = ? WHERE ${LINE_WHERE}`, args: [v.seq + 1, ...lineArgs(l)] });
      }
      const moves = new Map((change.aliasMoves ?? []).map((m) => [m.alias, m.to]));
      // Decisions first, so alias rows can point at the decision that set them.
      for (const d of change.decisions) stmts.push(decisionInsert(l, d, rev));
      for (const [alias, to] of moves) {
        if (!ALIASES.includes(alias)) throw new ValidationError(`unknown alias ${JSON.stringify(alias)}`, { plugin: PLUGIN, field: 'alias' });
        if (to === undefined) {
          stmts.push({ sql: `DELETE FROM registry_aliases WHERE ${LINE_WHERE} AND alias = ?`, args: [...lineArgs(l), alias] });
        } else {
          stmts.push({
            sql: `INSERT INTO registry_aliases (asset, horizon, name, alias, version, set_at, decision_id) VALUES (?,?,?,?,?,?, (SELECT max(id) FROM registry_decisions))
                  ON CONFLICT (asset, horizon, name, alias) DO UPDATE SET version = excluded.version, set_at = excluded.set_at, decision_id = excluded.decision_id`,
            args: [...lineArgs(l), alias, to, change.decisions[0]?.at ?? 0],
          });
        }
      }
      for (const ver of change.archive ?? []) stmts.push({ sql: `UPDATE registry_versions SET archived_at = ? WHERE version = ? AND archived_at IS NULL`, args: [change.decisions[0]?.at ?? 0, ver] });
      for (const ver of change.unarchive ?? []) stmts.push({ sql: `UPDATE registry_versions SET archived_at = NULL WHERE version = ?`, args: [ver] });
      stmts.push({ sql: `UPDATE registry_lines SET rev = ? WHERE ${LINE_WHERE}`, args: [rev, ...lineArgs(l)] });
      stmts.push({ sql: `SELECT * FROM registry_decisions WHERE ${LINE_WHERE} AND rev = ? ORDER BY id`, args: [...lineArgs(l), rev] });
      try {
        const res = await client.batch(stmts, 'write');
        return { rev, decisions: res[res.length - 1]!.rows.map(toDecision) };
      } catch (err) {
        if (isGuardViolation(err)) throw new ConflictError(`line ${l.name}/${l.asset}/${l.horizon} changed since revision ${expectedRev}`, { cause: err });
        throw err;
      }
    },

    async appendDecision(l, d) {
      const res = await client.batch(
        [
          { sql: `INSERT INTO registry_lines (asset, horizon, name, rev, next_seq) VALUES (?,?,?,0,1) ON CONFLICT DO NOTHING`, args: lineArgs(l) },
          {
            sql: `INSERT INTO registry_decisions (at, asset, horizon, name, action, alias, from_version, to_version, actor, reason, numbers, rev)
                  SELECT ?,?,?,?,?,?,?,?,?,?,?, rev FROM registry_lines WHERE ${LINE_WHERE} RETURNING *`,
            args: [d.at, ...lineArgs(l), d.action, d.alias ?? null, d.fromVersion ?? null, d.toVersion ?? null, d.actor, d.reason, canonicalJson(d.numbers ?? {}), ...lineArgs(l)],
          },
        ],
        'write',
      );
      return toDecision(res[1]!.rows[0]!);
    },

    async getVersion(version) {
      const res = await client.execute({ sql: 'SELECT * FROM registry_versions WHERE version = ?', args: [version] });
      return res.rows[0] ? toVersion(res.rows[0]) : undefined;
    },

    async listVersions(filter: VersionFilter = {}) {
      const w = where(filter as Record<string, unknown>, ['asset', 'horizon', 'name']);
      const extra = filter.includeArchived === false ? `${w.sql ? ' AND' : 'WHERE'} archived_at IS NULL` : '';
      const res = await client.execute({
        sql: `SELECT * FROM registry_versions ${w.sql}${extra} ORDER BY name, asset, horizon, seq DESC LIMIT ?`,
        args: [...w.args, filter.limit ?? -1],
      });
      return res.rows.map(toVersion);
    },

    async listAliases(filter = {}) {
      const w = where(filter as Record<string, unknown>, ['asset', 'horizon', 'name']);
      const res = await client.execute({ sql: `SELECT asset, horizon, name, alias, version FROM registry_aliases ${w.sql} ORDER BY name, asset, horizon, alias`, args: w.args });
      return res.rows.map((r) => ({ asset: String(r.asset), horizon: String(r.horizon) as Horizon, name: String(r.name), alias: String(r.alias) as Alias, version: String(r.version) }));
    },

    async listDecisions(filter: DecisionFilter = {}) {
      const w = where(filter as Record<string, unknown>, ['asset', 'horizon', 'name', 'action']);
      const after = filter.afterId === undefined ? '' : `${w.sql ? ' AND' : 'WHERE'} id > ${Number(filter.afterId)}`;
      // With a limit: the newest N, returned oldest first like an unlimited read.
      const res = await client.execute({
        sql: `SELECT * FROM (SELECT * FROM registry_decisions ${w.sql}${after} ORDER BY id DESC LIMIT ?) ORDER BY id`,
        args: [...w.args, filter.limit ?? -1],
      });
      return res.rows.map(toDecision);
    },

    async close() {
      if (ownClient) client.close();
    },
  };
}

