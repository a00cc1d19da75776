import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { tempDir } from './helpers.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const examples = fileURLToPath(new URL('../../examples/custom-config/', import.meta.url));
const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });

describe('satcast CLI', () => {
  it('has --help on every command', () => {
    for (const args of [['--help'], ['start', '--help'], ['db', '--help'], ['db', 'migrate', '--help']]) {
      const r = run(args);
      expect(r.status, args.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/Usage: satcast/);
    }
  });

  it('a broken config exits non-zero naming each bad field', () => {
    const r = run(['start', '--config', join(examples, 'broken.config.json')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/sources\[0\]\.options\.replay\.barsPerSecond: .*expected number, received string/);
    expect(r.stderr).toMatch(/models\[0\]\.plugin: unknown model plugin "ewma-bands" \(known: .*ewma-band/);
  });

  it('a wrong top-level type is named', () => {
    const dir = tempDir();
    const file = join(dir, 'satcast.config.json');
    writeFileSync(file, JSON.stringify({ sources: [], features: [{ plugin: 'ta' }], models: [{ plugin: 'persistence' }], servedModel: 'persistence', confidenceThreshold: '0.9' }));
    const r = run(['start', '--config', file]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/confidenceThreshold: .*expected number, received string/);
    expect(r.stderr).toMatch(/sources: .*>=1/);
  });

  it('rejects a bad PORT and a bad --port by name', () => {
    expect(run(['start'], { PORT: 'eighty' }).stderr).toMatch(/PORT: expected an integer/);
    const r = run(['start', '--port', 'x']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/--port.*expected an integer port/);
  });

  it('migrates a store idempotently', () => {
    const url = `file:${join(tempDir(), 'm.db')}`;
    expect(run(['db', 'migrate', '--url', url]).status).toBe(0);
    const again = run(['db', 'migrate', '--url', url]);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/store migrated/);
  });

  it('loads a TypeScript config with a third-party plugin, paths relative to the file', async () => {
    const { config, origin } = await loadConfig({ path: join(examples, 'satcast.config.ts') });
    expect(origin).toMatch(/satcast\.config\.ts$/);
    expect(config.resolved.features.map((f) => f.id)).toEqual(['ta', 'volume-z']);
    expect((config.resolved.sources[0]!.options as { path: string }).path).toMatch(/\/data\/btc_usdt_1h\.csv\.gz$/);
    expect(config.store.url).toMatch(/^file:\/.*\.satcast\/custom\.db$/);
  });

  it('the full-ensemble example resolves: every model, the shock feature set, three ensembles over the members', async () => {
    const { config } = await loadConfig({ path: fileURLToPath(new URL('../../examples/ensemble/satcast.config.ts', import.meta.url)) });
    expect(config.resolved.models.map((m) => m.id)).toEqual(['persistence', 'ewma-band', 'gbdt', 'forest', 'ridge', 'huber', 'garch', 'har', 'lstm', 'transformer', 'ridge-sfs']);
    expect(config.resolved.features.map((f) => f.id)).toContain('shock');
    expect(config.ensembles.map((e) => [e.id, e.method, e.members.length])).toEqual([['stack', 'stack', 9], ['dynamic', 'dynamic', 9], ['equal', 'equal', 9]]);
  });
});
