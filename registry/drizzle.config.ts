import { defineConfig } from 'drizzle-kit';

// `pnpm generate` writes SQL migrations for src/schema.ts into drizzle/; they are committed and applied by migrate().
export default defineConfig({
  dialect: 'turso',
  schema: './src/schema.ts',
  out: './drizzle',
});
