import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    // Each file starts real servers and a libsql store; run files one at a time on 2 cores.
    fileParallelism: false,
    testTimeout: 30_000,
  },
});
