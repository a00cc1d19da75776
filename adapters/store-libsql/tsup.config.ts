import { defineConfig } from 'tsup';
import { libraryConfig } from '../../tsup.shared.ts';

// Drivers stay external: @libsql/client loads a native binding that must not be bundled.
export default defineConfig(libraryConfig({ platform: 'node', external: ['@satcast/core', '@libsql/client', 'drizzle-orm'] }));
