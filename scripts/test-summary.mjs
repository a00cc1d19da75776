#!/usr/bin/env node
/**
 * Adds up the vitest JSON reports (`.vitest-report.json`) every package writes during `pnpm test` and
 * prints one closing line "Tests: N passed, N failed, N skipped". Exits 1 when anything failed or when no
 * test ran at all, so CI can never pass on an empty run.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const pkgs = JSON.parse(execSync('pnpm -r ls --depth -1 --json', { cwd: root, encoding: 'utf8' }));
let passed = 0;
let failed = 0;
let skipped = 0;
const rows = [];
for (const p of pkgs) {
  // A package may write several reports (e.g. edge: workerd tests and Node end-to-end tests).
  for (const f of readdirSync(p.path).filter((f) => /^\.vitest-report(\.[\w-]+)?\.json$/.test(f)).sort()) {
    const r = JSON.parse(readFileSync(join(p.path, f), 'utf8'));
    passed += r.numPassedTests ?? 0;
    failed += r.numFailedTests ?? 0;
    skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    const label = f === '.vitest-report.json' ? p.name : `${p.name} (${f.split('.')[2]})`;
    rows.push(`${label.padEnd(40)} ${String(r.numPassedTests).padStart(5)} passed ${String(r.numFailedTests).padStart(3)} failed ${String(r.numPendingTests ?? 0).padStart(3)} skipped`);
  }
}
console.log(rows.join('\n'));
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
