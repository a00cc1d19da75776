import { defineConfig } from 'vitest/config';

// End-to-end: runs in Node, starts the real backend and the real worker in local workerd (wrangler).
export default defineConfig({
  test: { include: ['e2e/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 120_000, fileParallelism: false },
});
