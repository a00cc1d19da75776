import { defineConfig } from 'vitest/config';

// onnxruntime-web compiles its wasm on first use: seconds on a loaded 2-core CI machine.
export default defineConfig({ test: { testTimeout: 60_000, hookTimeout: 120_000 } });
