import { readdir, chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NotFoundError, ValidationError } from '@satcast/core';
import { createStore } from '@satcast/adapter-store-libsql';
import { afterEach, describe, expect, it } from 'vitest';
import { createFsArtifactStore } from './artifacts-fs.js';
import { ConflictError, IntegrityError } from './errors.js';
import { createLibsqlRegistryStore } from './libsql-store.js';
import { migrate } from './libsql-client.js';
import { ModelRegistry } from './registry.js';
import { LINE, T0, artifact, bytesOf, card, makeRegistry, tempDir } from './test-util.js';
import type { RegistryStore } from './store.js';

const open: RegistryStore[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});
async function setup(opts: Parameters<typeof makeRegistry>[0] = {}) {
  const r = await makeRegistry(opts);
  open.push(r.store);
  return r;
}

describe('register and read', () => {
  it('numbers versions per line, fills the card from the artifact, and reads back the same bytes', async () => {
    const { registry } = await setup();
    const v1 = await registry.register({ ...LINE, artifact: artifact('model one'), card: card() });
    const v2 = await registry.register({ ...LINE, artifact: artifact('model two'), card: card(), parent: v1.version });
    expect(v1.version).toBe('gbdt@BTCUSDT-24h-v1');
    expect(v2.version).toBe('gbdt@BTCUSDT-24h-v2');
    expect(v2.parent).toBe(v1.version);
    expect(v2.card).toMatchObject({ name: 'gbdt', version: v2.version, asset: 'BTCUSDT', horizons: ['24h'], format: 'json', parent: v1.version, codeVersion: 'abc1234' });
    expect(v2.card.artifactSha256).toBe(v2.artifact.sha256);
    expect(v2.card.training).toEqual({ '24h': { pinball: 700 } });
    expect(v2.dataRange).toEqual(card().dataRange);
    expect(v1.stage).toBe('none');
    const got = await registry.get(v2.version);
    expect(new TextDecoder().decode(got.serialized.bytes)).toBe('model two');
    expect((await registry.list({ name: 'gbdt' })).map((v) => v.version)).toEqual([v2.version, v1.version]);
    const other = await registry.register({ ...LINE, horizon: '1h', artifact: artifact('h1'), card: card() });
    expect(other.version).toBe('gbdt@BTCUSDT-1h-v1');
  });

  it('validates input and names the field', async () => {
    const { registry } = await setup();
    await expect(registry.register({ ...LINE, artifact: artifact('x'), card: card({ dataRange: { from: 1.5, to: 2 } as never }) })).rejects.toThrow(/card field "dataRange.from"/);
    await expect(registry.register({ ...LINE, horizon: '2h' as never, artifact: artifact('x'), card: card() })).rejects.toThrow(ValidationError);
    await expect(registry.register({ ...LINE, artifact: artifact('x'), card: card(), parent: 'gbdt@BTCUSDT-24h-v9' })).rejects.toThrow(NotFoundError);
    await expect(registry.info('nope@BTCUSDT-24h-v1')).rejects.toThrow(NotFoundError);
  });

  it('register with alias sets it in the same transaction and logs both decisions', async () => {
    const { registry } = await setup();
    const v = await registry.register({ ...LINE, artifact: artifact('c'), card: card(), alias: 'challenger', reason: 'retrain' });
    expect(v.stage).toBe('challenger');
    const log = await registry.decisions(LINE);
    expect(log.map((d) => [d.action, d.alias ?? null, d.toVersion])).toEqual([['register', null, v.version], ['set-alias', 'challenger', v.version]]);
    expect(new Set(log.map((d) => d.rev))).toEqual(new Set([1]));
  });
});

describe('artifact immutability', () => {
  it('a tampered artifact file fails every read with IntegrityError', async () => {
    const { registry, artifacts, dir } = await setup();
    const v = await registry.register({ ...LINE, artifact: artifact('honest bytes'), card: card() });
    await registry.promote(v.version, { reason: 'first' });
    const path = (artifacts as ReturnType<typeof createFsArtifactStore>).path(v.artifact.sha256);
    expect(path.startsWith(dir)).toBe(true);
    await chmod(path, 0o644);
    await writeFile(path, 'evil bytes!!');
    await expect(registry.get(v.version)).rejects.toThrow(IntegrityError);
    await expect(registry.resolve(LINE, 'champion')).rejects.toThrow(/tampered/);
    // Re-putting the same content repairs the file (content addressing).
    await artifacts.put(bytesOf('honest bytes'));
    expect(new TextDecoder().decode((await registry.get(v.version)).serialized.bytes)).toBe('honest bytes');
  });

  it('same bytes share one file; no temporary files are left behind', async () => {
    const { registry, dir } = await setup();
    const a = await registry.register({ ...LINE, artifact: artifact('same'), card: card() });
    const b = await registry.register({ ...LINE, artifact: artifact('same'), card: card() });
    expect(a.artifact.key).toBe(b.artifact.key);
    const fan = join(dir, 'sha256', a.artifact.sha256.slice(0, 2));
    expect(await readdir(fan)).toEqual([a.artifact.sha256]);
  });
});

describe('aliases', () => {
  it('setAlias, resolve, clear, archive; the champion cannot be archived', async () => {
    const { registry } = await setup();
    const a = await registry.register({ ...LINE, artifact: artifact('a'), card: card() });
    const b = await registry.register({ ...LINE, artifact: artifact('b'), card: card() });
    await registry.setAlias('champion', a.version, 'bootstrap');
    await registry.setAlias('shadow', b.version, 'watch it');
    expect(await registry.resolveVersion(LINE, 'shadow')).toBe(b.version);
    expect((await registry.resolve(LINE, 'champion'))?.version).toBe(a.version);
    await expect(registry.setAlias('archived', a.version, 'x')).rejects.toThrow(/champion/);
    const d = await registry.setAlias('archived', b.version, 'retired');
    expect(d.numbers.droppedAliases).toEqual(['shadow']);
    expect((await registry.info(b.version)).stage).toBe('archived');
    expect(await registry.resolveVersion(LINE, 'shadow')).toBeUndefined();
    expect(await registry.list({ stage: 'archived' })).toHaveLength(1);
    await expect(registry.setAlias('champion', b.version, '')).rejects.toThrow(/reason/);
  });

  it('a commit is all or nothing: a failing statement leaves aliases and the log untouched', async () => {
    const { registry, store } = await setup();
    const a = await registry.register({ ...LINE, artifact: artifact('a'), card: card() });
    const st = await store.readLine(LINE);
    const before = await store.listDecisions();
    // Re-inserting an existing version violates its primary key after the alias move was queued.
    const dup = { ...(await store.getVersion(a.version))!, seq: st.nextSeq };
    await expect(
      store.commit(LINE, st.rev, { insertVersion: dup, aliasMoves: [{ alias: 'champion', to: a.version }], decisions: [{ at: T0, action: 'promote', alias: 'champion', toVersion: a.version, actor: 't', reason: 'x', numbers: {} }] }),
    ).rejects.toThrow();
    expect(await store.readLine(LINE)).toEqual(st);
    expect(await store.listDecisions()).toEqual(before);
  });

  it('a commit against a stale revision is refused with ConflictError and changes nothing', async () => {
    const { registry, store } = await setup();
    const a = await registry.register({ ...LINE, artifact: artifact('a'), card: card() });
    const b = await registry.register({ ...LINE, artifact: artifact('b'), card: card() });
    const stale = await store.readLine(LINE);
    await registry.promote(a.version, { reason: 'other writer' });
    const decisions = (await store.listDecisions()).length;
    const err = await store
      .commit(LINE, stale.rev, { aliasMoves: [{ alias: 'champion', to: b.version }], decisions: [{ at: T0, action: 'promote', alias: 'champion', toVersion: b.version, actor: 't', reason: 'x', numbers: {} }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).retryable).toBe(true);
    expect((await store.readLine(LINE)).aliases.champion).toBe(a.version);
    expect(await store.listDecisions()).toHaveLength(decisions);
  });
});

describe('promote and rollback', () => {
  it('promote archives the old champion and clears the challenger alias in one step', async () => {
    const { registry } = await setup();
    const a = await registry.register({ ...LINE, artifact: artifact('a'), card: card() });
    await registry.promote(a.version, { reason: 'first' });
    const b = await registry.register({ ...LINE, artifact: artifact('b'), card: card(), alias: 'challenger' });
    const d = await registry.promote(b.version, { reason: 'gate passed', numbers: { pValue: 0.01 } });
    expect(d).toMatchObject({ action: 'promote', alias: 'champion', fromVersion: a.version, toVersion: b.version, reason: 'gate passed' });
    expect(d.numbers).toMatchObject({ pValue: 0.01, clearedAliases: ['challenger'] });
    expect((await registry.info(a.version)).stage).toBe('archived');
    expect((await registry.info(b.version)).aliases).toEqual(['champion']);
    await expect(registry.promote(b.version)).rejects.toThrow(/already the champion/);
  });

  it('rollback restores the exact previous champion bytes and walks back through history', async () => {
    const { registry, clock } = await setup();
    const bytesA = new Uint8Array([0, 1, 2, 255, 254, 7]);
    const a = await registry.register({ ...LINE, artifact: { format: 'onnx', bytes: bytesA }, card: card() });
    const b = await registry.register({ ...LINE, artifact: artifact('b'), card: card(), parent: a.version });
    const c = await registry.register({ ...LINE, artifact: artifact('c'), card: card(), parent: b.version });
    await registry.promote(a.version);
    clock.t += 1000;
    await registry.promote(b.version);
    clock.t += 1000;
    await registry.promote(c.version);
    const r1 = await registry.rollback(LINE, 'pinball worse by 5%');
    expect([r1.fromVersion, r1.toVersion]).toEqual([c.version, b.version]);
    expect((await registry.info(c.version)).stage).toBe('archived');
    const r2 = await registry.rollback(LINE, 'still bad');
    expect(r2.toVersion).toBe(a.version);
    const champ = await registry.resolve(LINE, 'champion');
    expect(champ?.version).toBe(a.version);
    expect(champ?.serialized.format).toBe('onnx');
    expect(Array.from(champ!.serialized.bytes)).toEqual(Array.from(bytesA));
    expect(r2.numbers.restoredSha256).toBe(a.artifact.sha256);
    await expect(registry.rollback(LINE, 'again')).rejects.toThrow(/no previous champion/);
    await expect(registry.rollback({ ...LINE, name: 'none' }, 'x')).rejects.toThrow(/no champion/);
  });

  it('concurrent promotes (Promise.all) leave one champion, a complete log and a consistent chain', async () => {
    const { registry } = await setup();
    const vs = [];
    for (let i = 0; i < 8; i++) vs.push(await registry.register({ ...LINE, artifact: artifact(`m${i}`), card: card() }));
    await Promise.all(vs.map((v) => registry.promote(v.version, { reason: `race ${v.seq}` })));
    await checkConsistent(registry, vs.map((v) => v.version));
  });

  it('two registries on one database file racing promotes stay consistent (compare-and-swap + retry)', async () => {
    const dir = await tempDir();
    const url = `file:${join(dir, 'shared.db')}`;
    const one = await setup({ url, dir });
    const two = await setup({ url, dir });
    const vs = [];
    for (let i = 0; i < 6; i++) vs.push(await one.registry.register({ ...LINE, artifact: artifact(`s${i}`), card: card() }));
    await Promise.all(vs.map((v, i) => (i % 2 ? one : two).registry.promote(v.version, { reason: `race ${i}` })));
    await checkConsistent(one.registry, vs.map((v) => v.version));
    expect(await two.registry.resolveVersion(LINE, 'champion')).toBe(await one.registry.resolveVersion(LINE, 'champion'));
  });
});

describe('conflict retry', () => {
  it('a promote that loses a race is re-decided on the new state, not replayed', async () => {
    const { registry, store, artifacts } = await setup();
    const a = await registry.register({ ...LINE, artifact: artifact('a'), card: card() });
    const b = await registry.register({ ...LINE, artifact: artifact('b'), card: card() });
    const other = new ModelRegistry({ store, artifacts, actor: 'other' });
    let raced = false;
    const racing: RegistryStore = {
      ...store,
      commit: async (line, rev, change) => {
        if (!raced) {
          raced = true;
          await other.promote(a.version, { reason: 'other process' }); // moves the line after our read
        }
        return store.commit(line, rev, change);
      },
    };
    const mine = new ModelRegistry({ store: racing, artifacts });
    const d = await mine.promote(b.version, { reason: 'mine' });
    expect(raced).toBe(true);
    expect(d.fromVersion).toBe(a.version); // decided again after seeing the other promote
    expect((await registry.info(a.version)).stage).toBe('archived');
    expect((await registry.decisions({ action: 'promote' })).map((x) => x.actor)).toEqual(['other', 'registry']);
  });
});

async function checkConsistent(registry: ModelRegistry, versions: string[]) {
  const log = (await registry.decisions({ ...LINE, action: 'promote' }));
  expect(log).toHaveLength(versions.length);
  expect(new Set(log.map((d) => d.toVersion))).toEqual(new Set(versions));
  // Each promote replaced exactly the champion installed by the one before it.
  expect(log[0]!.fromVersion).toBeUndefined();
  for (let i = 1; i < log.length; i++) expect(log[i]!.fromVersion).toBe(log[i - 1]!.toVersion);
  const revs = log.map((d) => d.rev);
  expect([...revs].sort((x, y) => x - y)).toEqual(revs);
  const list = await registry.list(LINE);
  const champions = list.filter((v) => v.stage === 'champion');
  expect(champions.map((v) => v.version)).toEqual([log.at(-1)!.toVersion]);
  expect(list.filter((v) => v.stage === 'archived')).toHaveLength(versions.length - 1);
}

describe('migrations', () => {
  it('share a database file with the main store; both migrate idempotently', async () => {
    const dir = await tempDir();
    const url = `file:${join(dir, 'satcast.db')}`;
    const main = await createStore({ url });
    await migrate(url);
    await migrate(url); // no-op
    const reg = await createLibsqlRegistryStore({ url });
    open.push(reg);
    const registry = new ModelRegistry({ store: reg, artifacts: createFsArtifactStore({ dir: join(dir, 'artifacts') }) });
    const v = await registry.register({ ...LINE, artifact: artifact('x'), card: card() });
    await main.close();
    const again = await createStore({ url }); // the main store's migrator still sees its own journal
    expect(await again.listModelVersions()).toEqual([]);
    await again.close();
    expect((await registry.info(v.version)).version).toBe(v.version);
    const tables = await reg.client.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%migrations%' ORDER BY name");
    expect(tables.rows.map((r) => r.name)).toEqual(['__drizzle_migrations', '__satcast_registry_migrations']);
  });

  it('can reuse the main store client on :memory:', async () => {
    const main = await createStore({ url: ':memory:' });
    const reg = await createLibsqlRegistryStore({ client: main.client });
    const registry = new ModelRegistry({ store: reg, artifacts: createFsArtifactStore({ dir: await tempDir() }) });
    const v = await registry.register({ ...LINE, artifact: artifact('x'), card: card() });
    await registry.promote(v.version);
    expect(await main.countCandles({ symbol: 'BTCUSDT', interval: '1h' })).toBe(0);
    expect(await registry.resolveVersion(LINE, 'champion')).toBe(v.version);
    await reg.close(); // does not close the borrowed client
    await main.close();
  });
});
