/**
 * Runtime neutrality: bundle the package (platform "neutral": any Node built-in import fails the bundle)
 * and run the same deterministic scenario inside workerd (Miniflare) and in Node; results must match.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { Miniflare } from 'miniflare';
import { afterAll, describe, expect, it } from 'vitest';
import { scenario } from './scenario.fixture.js';

const here = dirname(fileURLToPath(import.meta.url));

/** Compare two JSON values, numbers to 1e-12 relative (V8 versions may differ in the last ulp of exp/log). */
function close(a: unknown, b: unknown, path = '$'): void {
  if (typeof a === 'number' && typeof b === 'number') {
    expect(Math.abs(a - b), path).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(a)));
    return;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    expect(Object.keys(b as object).sort(), path).toEqual(Object.keys(a as object).sort());
    for (const k of Object.keys(a as object)) close((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    return;
  }
  expect(b, path).toEqual(a);
}

describe('workerd', () => {
  const dir = mkdtempSync(join(tmpdir(), 'satcast-ensemble-workerd-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the combiners in workerd with the same results as in Node', async () => {
    const entry = join(dir, 'worker.ts');
    writeFileSync(
      entry,
      `import { scenario } from ${JSON.stringify(join(here, 'scenario.fixture.ts'))};\n` +
        `export default { async fetch() { return new Response(JSON.stringify(scenario()), { headers: { 'content-type': 'application/json' } }); } };\n`,
    );
    const out = join(dir, 'worker.js');
    buildSync({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'neutral', mainFields: ['module', 'main'], target: 'es2022', outfile: out, logLevel: 'error' });
    const mf = new Miniflare({ modules: true, script: readFileSync(out, 'utf8'), compatibilityDate: '2025-06-01' });
    try {
      const res = await mf.dispatchFetch('http://localhost/');
      expect(res.status).toBe(200);
      const inWorkerd = (await res.json()) as Record<string, unknown>;
      const inNode = JSON.parse(JSON.stringify(scenario())) as Record<string, unknown>;
      close(inNode, inWorkerd);
      expect((inWorkerd.stackParams as { fitted: boolean }).fitted).toBe(true);
    } finally {
      await mf.dispose();
    }
  });
});
