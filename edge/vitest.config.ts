import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const ORT_WASM = 'onnxruntime-web/ort-wasm-simd-threaded.wasm';

// Tests run inside workerd (the Workers runtime), offline, with the bindings from wrangler.toml plus
// test-only secrets and a small rate limit so "limit reached" is reachable. The tests use the ONNX build
// (onnxruntime-web bundled, EDGE_MODEL = "onnx"); test/onnx.setup.ts runs in Node and provides the
// onnxruntime-node reference outputs.
export default defineConfig({
  plugins: [
    {
      // The pool loads a .wasm import as a CompiledWasm module only from inside the project root; pnpm
      // resolves onnxruntime-web into the store outside it, so point at the package's symlink under
      // ./node_modules instead (same file).
      name: 'satcast-ort-wasm-in-root',
      enforce: 'pre',
      resolveId: (id: string) => (id === ORT_WASM ? fileURLToPath(new URL(`./node_modules/${ORT_WASM.replace('/', '/dist/')}`, import.meta.url)) : undefined),
    },
    cloudflareTest({
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        bindings: {
          JWT_SECRET: 'test-only-jwt-secret-0123456789abcdef',
          SYNC_KEYS: JSON.stringify({ k1: 'test-only-sync-key-one-0123456789', k2: 'test-only-sync-key-two-0123456789' }),
          RATE_LIMIT: '5',
          HUB_SHARDS: '3',
          ORIGIN_URL: 'http://origin.test',
          EDGE_MODEL: 'onnx',
        },
      },
    }),
  ],
  define: { __SATCAST_EDGE_ONNX__: 'true' },
  test: { include: ['test/**/*.test.ts'], globalSetup: ['./test/onnx.setup.ts'] },
});
