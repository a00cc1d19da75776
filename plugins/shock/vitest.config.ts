import { defineConfig } from 'vitest/config';

// Fits on real data take seconds on a shared 2-core machine; the default 5 s per test is too tight there.
export default defineConfig({ test: { testTimeout: 60_000, hookTimeout: 60_000 } });
