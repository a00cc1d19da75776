import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { HOUR, ValidationError } from '@satcast/core';
import { STORE_T0, sampleCandles, verifyAuditChain } from '@satcast/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { BUSY_TIMEOUT_MS, filePath, normalizeUrl } from './client.js';
import { createStore, migrate } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'satcast-libsql-'));
let n = 0;
const dbUrl = () => `file:${join(dir, `t-${n++}.db`)}`;
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const key = { symbol: 'BTCUSDT', interval: '1h' as const };

describe('libsql adapter', () => {
  it('migrate twice is a no-op', async () => {
    const url = dbUrl();
    await migrate(url);
    await migrate({ url });
    const client = createClient({ url });
    const applied = await client.execute('SELECT count(*) AS n FROM __drizzle_migrations');
    const tables = await client.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
    client.close();
    // One row per committed migration (drizzle/0000_init.sql, 0001_access.sql), not per call.
    expect(applied.rows[0]!.n).toBe(2);
    expect(tables.rows.map((r) => r.name)).toEqual([
      '__drizzle_migrations', 'alert_rules', 'alerts', 'api_keys', 'audit_log', 'candles', 'feature_vectors', 'model_versions', 'observations', 'outcomes', 'predictions', 'quarantine',
    ]);
  });

  it('reopening a file keeps its data and the audit chain continues', async () => {
    const url = dbUrl();
    const a = await createStore({ url });
    await a.upsertCandles(sampleCandles(100));
    await a.appendAudit({ at: STORE_T0, actor: 'system', action: 'start' });
    await a.close();
    const b = await createStore({ url });
    expect(await b.countCandles(key)).toBe(100);
    await b.appendAudit({ at: STORE_T0 + 1, actor: 'system', action: 'stop', detail: { reason: 'test' } });
    const audit = await b.listAudit();
    expect(audit).toHaveLength(2);
    expect(await verifyAuditChain(audit)).toBeNull();
    await b.close();
  });

  it('bulk-upserts 69,000 hourly candles; doing it again leaves the count unchanged', async () => {
    const store = await createStore({ url: dbUrl() });
    const bars = sampleCandles(69_000, { start: STORE_T0 - 69_000 * HOUR, source: 'binance' });
    expect(await store.upsertCandles(bars)).toEqual({ inserted: 69_000, updated: 0, unchanged: 0 });
    expect(await store.upsertCandles(bars)).toEqual({ inserted: 0, updated: 0, unchanged: 69_000 });
    expect(await store.countCandles(key)).toBe(69_000);
    expect(await store.getCandles({ ...key, order: 'desc', limit: 1 })).toEqual([bars[68_999]]);
    await store.close();
  });

  it('a database error in a later statement rolls back the whole batch', async () => {
    const store = await createStore({ url: ':memory:' });
    const bars = sampleCandles(8000);
    // Abort on a row far enough in to sit in the second or third multi-row statement.
    await store.client.execute(`CREATE TRIGGER boom BEFORE INSERT ON candles WHEN NEW.open_time = ${bars[7500]!.openTime} BEGIN SELECT RAISE(ABORT, 'boom'); END`);
    await expect(store.upsertCandles(bars)).rejects.toThrow(/boom/);
    expect(await store.countCandles(key)).toBe(0);
    await store.close();
  });

  it('creates the parent directory, accepts a bare path and sets WAL and a busy timeout', async () => {
    const path = join(dir, 'nested', 'deeper', 'satcast.db');
    const store = await createStore({ url: path });
    await store.upsertCandles(sampleCandles(3));
    expect(existsSync(path)).toBe(true);
    expect((await store.client.execute('PRAGMA journal_mode')).rows[0]![0]).toBe('wal');
    expect((await store.client.execute('PRAGMA busy_timeout')).rows[0]![0]).toBe(BUSY_TIMEOUT_MS);
    await store.close();
    expect(normalizeUrl('data/x.db')).toBe('file:data/x.db');
    expect(normalizeUrl(':memory:')).toBe(':memory:');
    expect(filePath('file:///tmp/a/b.db')).toBe('/tmp/a/b.db');
    expect(filePath('libsql://db.example.turso.io')).toBeUndefined();
  });

  it('two stores on one file keep a single valid audit chain', async () => {
    const url = dbUrl();
    const [a, b] = [await createStore({ url }), await createStore({ url })];
    await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).appendAudit({ at: STORE_T0 + i, actor: `proc-${i % 2}`, action: 'score' })));
    const audit = await a.listAudit();
    expect(audit).toHaveLength(10);
    expect(await verifyAuditChain(audit)).toBeNull();
    await Promise.all([a.close(), b.close()]);
  });

  it('raises ValidationError naming the call, row and field; rejects foreign cursors', async () => {
    const store = await createStore({ url: ':memory:' });
    const bars = sampleCandles(3);
    const err = await store.upsertCandles([bars[0]!, { ...bars[1]!, volume: -1 }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).message).toBe('[satcast] [store-libsql] upsertCandles: row 1 field "volume": Too small: expected number to be >=0');
    await expect(store.listPredictions({ asset: 'BTCUSDT', cursor: 'not-a-cursor' })).rejects.toMatchObject({ code: 'VALIDATION', field: 'cursor' });
    await expect(store.appendAudit({ at: -1, actor: 'x', action: 'y' })).rejects.toMatchObject({ field: 'at' });
    await store.close();
  });

  it.skipIf(!existsSync(new URL('../dist/index.js', import.meta.url)))('the built package finds its migrations', async () => {
    const built = (await import(new URL('../dist/index.js', import.meta.url).href)) as typeof import('./index.js');
    const store = await built.createStore({ url: ':memory:' });
    expect(await store.countCandles(key)).toBe(0);
    await store.close();
  });
});
