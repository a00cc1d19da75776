import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  platform: 'node',
  // Drivers stay external: @libsql/client loads a native binding that must not be bundled.
  external: ['@satcast/core', '@libsql/client', 'drizzle-orm'],
});
