#!/usr/bin/env node
/**
 * `pnpm bench`: runs every benchmark script (`bench/*.bench.mjs` at the root and in each package) one
 * after another, so they do not compete for the 2 cores. Each prints its own ratios against a reference
 * measured in the same run.
 */
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const dirs = ['bench', ...['core', 'gpu-backend', 'edge'].map((d) => join(d, 'bench'))];
for (const group of ['plugins', 'adapters']) {
  for (const d of readdirSync(join(root, group))) dirs.push(join(group, d, 'bench'));
}
const only = process.argv[2];
let failed = 0;
for (const dir of dirs) {
  const abs = join(root, dir);
  if (!existsSync(abs)) continue;
  for (const f of readdirSync(abs).filter((f) => f.endsWith('.bench.mjs')).sort()) {
    if (only && !f.includes(only)) continue;
    console.log(`\n=== ${join(dir, f)}`);
    const r = spawnSync(process.execPath, [join(abs, f)], { stdio: 'inherit', cwd: join(abs, '..') });
    if (r.status !== 0) failed++;
  }
}
process.exit(failed ? 1 : 0);
