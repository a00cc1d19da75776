import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type Client } from '@libsql/client';
import { ConfigError } from '@satcast/core';
import { drizzle } from 'drizzle-orm/libsql';
import { migrate as drizzleMigrate } from 'drizzle-orm/libsql/migrator';
import { PLUGIN } from './errors.js';

/** Committed drizzle-kit migrations; `src/` and `dist/` are both siblings of `drizzle/`. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../drizzle', import.meta.url));
/**
 * The registry keeps its own migrations journal so it can share a database file with the main store
 * (whose journal is drizzle's default `__drizzle_migrations`) without either skipping the other's files.
 */
export const MIGRATIONS_TABLE = '__satcast_registry_migrations';
/** How long a write waits for another process's lock before failing with SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5000;

export interface RegistryConnection {
  /** `file:.satcast/satcast.db` (a bare path is taken as a file), `:memory:` (default), or `libsql://…`. */
  url?: string;
  authToken?: string;
}

export function normalizeUrl(url: string | undefined): string {
  if (url === undefined) return ':memory:';
  if (typeof url !== 'string' || url.trim() === '') throw new ConfigError('option "url" must be a non-empty string', { plugin: PLUGIN, field: 'url' });
  if (url === ':memory:' || /^[a-z][a-z0-9+.-]*:/i.test(url)) return url;
  return `file:${url}`;
}

function filePath(url: string): string | undefined {
  if (!url.startsWith('file:')) return undefined;
  const bare = url.replace(/\?.*$/, '');
  if (bare.startsWith('file://')) return fileURLToPath(bare);
  const p = bare.slice('file:'.length);
  return p === ':memory:' ? undefined : resolve(p);
}

/** Open a client the same way the libSQL store does (WAL + busy timeout for files). */
export async function openClient(conn: RegistryConnection = {}): Promise<Client> {
  const url = normalizeUrl(conn.url);
  const path = filePath(url);
  if (path) await mkdir(dirname(path), { recursive: true });
  const client = createClient({ url, timeout: BUSY_TIMEOUT_MS, ...(conn.authToken ? { authToken: conn.authToken } : {}) });
  if (path) {
    await client.execute('PRAGMA journal_mode = WAL');
    await client.execute('PRAGMA synchronous = NORMAL');
  }
  return client;
}

/**
 * Apply the registry's pending migrations (idempotent). Pass an open client for `:memory:`.
 * @example
 * await migrate('file:.satcast/satcast.db');
 */
export async function migrate(target: string | RegistryConnection | Client): Promise<void> {
  const own = typeof target === 'string' || !('execute' in target);
  const client = own ? await openClient(typeof target === 'string' ? { url: target } : (target as RegistryConnection)) : (target as Client);
  try {
    await drizzleMigrate(drizzle(client), { migrationsFolder: MIGRATIONS_FOLDER, migrationsTable: MIGRATIONS_TABLE });
  } finally {
    if (own) client.close();
  }
}
