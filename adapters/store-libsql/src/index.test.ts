import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { testStore } from '@satcast/core/testing';
import { createStore } from './index.js';

// One temp directory per run; every test gets its own database file inside it.
const dir = mkdtempSync(join(tmpdir(), 'satcast-store-'));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

testStore({
  name: 'libsql (:memory:)',
  create: () => createStore({ url: ':memory:' }),
});

testStore({
  name: 'libsql (file)',
  create: () => createStore({ url: `file:${join(dir, `store-${n++}.db`)}` }),
});
