import { afterEach, describe, expect, it } from 'vitest';
import { runModelsCommand } from './cli.js';
import type { RegistryStore } from './store.js';
import { LINE, artifact, card, makeRegistry, normals, outcomes } from './test-util.js';

const open: RegistryStore[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

async function setup() {
  const r = await makeRegistry();
  open.push(r.store);
  const a = await r.registry.register({ ...LINE, artifact: artifact('a'), card: card() });
  await r.registry.promote(a.version, { reason: 'bootstrap' });
  const b = await r.registry.register({ ...LINE, artifact: artifact('b'), card: card(), alias: 'challenger', parent: a.version });
  return { ...r, a, b };
}

describe('satcast models', () => {
  it('list prints one row per version with stage, range, hash prefix and parent', async () => {
    const { registry, a, b } = await setup();
    const out = await runModelsCommand({ command: 'list' }, registry);
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^VERSION\s+STAGE/);
    expect(lines[1]).toMatch(new RegExp(`^${b.version}\\s+challenger\\s+json 2024-01-02..2025-01-01  ${b.artifact.sha256.slice(0, 12)}  ${a.version}$`));
    expect(lines[2]).toMatch(new RegExp(`^${a.version}\\s+champion`));
    expect(JSON.parse(await runModelsCommand({ command: 'list', stage: 'champion', json: true }, registry))).toHaveLength(1);
  });

  it('show prints the card and the decisions that touched the version', async () => {
    const { registry, a } = await setup();
    const out = await runModelsCommand({ command: 'show', version: a.version }, registry);
    expect(out).toContain(`${a.version}  (champion)`);
    expect(out).toContain(`sha-256 ${a.artifact.sha256} (fs: ${a.artifact.key})`);
    expect(out).toContain('code        abc1234');
    expect(out).toMatch(/promote champion: ∅ → gbdt@BTCUSDT-24h-v1 by registry: bootstrap/);
  });

  it('promote runs the gate when outcomes are available: refuses a null challenger, --force overrides and is logged', async () => {
    const { registry, a, b } = await setup();
    const data = new Map([[a.version, outcomes(a.version, normals(1, 500).map((x) => 1 + 0.1 * x))], [b.version, outcomes(b.version, normals(2, 500).map((x) => 1 + 0.1 * x))]]);
    const ctx = { outcomes: async (v: string) => data.get(v) ?? [] };
    await expect(runModelsCommand({ command: 'promote', version: b.version }, registry, ctx)).rejects.toThrow(/promote refused: .*not significantly better/);
    expect((await registry.decisions({ action: 'gate' })).at(-1)!.reason).toMatch(/manual promote refused/);
    const out = await runModelsCommand({ command: 'promote', version: b.version, force: true, reason: 'operator call' }, registry, ctx);
    expect(out).toMatch(`promoted ${b.version} to champion (was ${a.version})`);
    const d = (await registry.decisions({ action: 'promote' })).at(-1)!;
    expect(d.reason).toMatch(/FORCED/);
    expect(d.numbers).toMatchObject({ forced: true, n: 500 });
  });

  it('rollback restores the previous champion', async () => {
    const { registry, a, b } = await setup();
    await registry.promote(b.version);
    const out = await runModelsCommand({ command: 'rollback', ...LINE, reason: 'bad night' }, registry);
    expect(out.split('\n')[0]).toBe(`rolled back ${b.version} → ${a.version}`);
    expect(await registry.resolveVersion(LINE, 'champion')).toBe(a.version);
  });
});
