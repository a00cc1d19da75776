import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type Client } from '@libsql/client';
import { drizzle } from 'drizzle-orm/libsql';
import { migrate as drizzleMigrate } from 'drizzle-orm/libsql/migrator';
import { ConfigError } from '@satcast/core';
import { PLUGIN } from './validate.js';

/** Where to find the database: `file:` path, `:memory:`, or a remote `libsql://` / `https://` URL. */
export interface LibsqlConnection {
  /** `file:data/satcast.db`, a bare path (taken as a file), `:memory:`, or `libsql://...`. */
  url: string;
  /** Token for remote libSQL servers (Turso); pass it from `SATCAST_*` env, never from config files. */
  authToken?: string;
}

/**
 * The committed drizzle-kit migrations. Resolved from this module's own location: `src/` in tests and
 * `dist/` once built are both siblings of `drizzle/`, and the package publishes `drizzle/` beside `dist/`.
 */
/** How long a write waits for another process's lock before failing with SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5000;

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../drizzle', import.meta.url));

/** Accept bare paths for convenience; libSQL itself wants a URL. */
export function normalizeUrl(url: string): string {
  if (typeof url !== 'string' || url.trim() === '') throw new ConfigError('option "url" must be a non-empty string', { plugin: PLUGIN, field: 'url' });
  if (url === ':memory:' || /^[a-z][a-z0-9+.-]*:/i.test(url)) return url;
  return `file:${url}`;
}

/** Local path of a `file:` URL, or undefined for memory and remote databases. */
export function filePath(url: string): string | undefined {
  if (!url.startsWith('file:')) return undefined;
  const bare = url.replace(/\?.*$/, '');
  if (bare.startsWith('file://')) return fileURLToPath(bare);
  const p = bare.slice('file:'.length);
  return p === ':memory:' ? undefined : resolve(p);
}

/**
 * Open a client. File databases get their directory created, WAL (readers never block the writer) and a
 * busy timeout (a second process waits for the lock instead of failing at once).
 */
export async function openClient(conn: LibsqlConnection): Promise<Client> {
  const url = normalizeUrl(conn.url);
  const path = filePath(url);
  if (path) await mkdir(dirname(path), { recursive: true });
  // `timeout` is libSQL's busy_timeout, applied to every pooled connection (a PRAGMA would reach only one).
  const client = createClient({ url, timeout: BUSY_TIMEOUT_MS, ...(conn.authToken ? { authToken: conn.authToken } : {}) });
  if (path) {
    await client.execute('PRAGMA journal_mode = WAL');
    // Safe with WAL: a power loss may drop the last commits but never corrupts the file.
    await client.execute('PRAGMA synchronous = NORMAL');
  }
  return client;
}

/**
 * Apply the committed migrations that are not applied yet (a no-op when up to date). Takes a URL, a
 * connection, or an open client — pass the client for `:memory:`, where each new client is a new database.
 * @example
 * await migrate('file:data/satcast.db');
 */
export async function migrate(target: string | LibsqlConnection | Client): Promise<void> {
  const own = typeof target === 'string' || !('execute' in target);
  const client = own ? await openClient(typeof target === 'string' ? { url: target } : (target as LibsqlConnection)) : (target as Client);
  try {
    await drizzleMigrate(drizzle(client), { migrationsFolder: MIGRATIONS_FOLDER });
  } finally {
    if (own) client.close();
  }
}
