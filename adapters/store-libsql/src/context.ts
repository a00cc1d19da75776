import type { Client } from '@libsql/client';
import type { LibSQLDatabase } from 'drizzle-orm/libsql';
import type * as schema from './schema.js';

/** What each group of store methods needs: drizzle for typed reads, the raw client for batched writes. */
export interface StoreContext {
  db: LibSQLDatabase<typeof schema>;
  client: Client;
}
