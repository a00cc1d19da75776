import { defineConfig } from 'tsup';
import { libraryConfig } from '../tsup.shared.ts';

export default defineConfig(
  libraryConfig({ platform: 'neutral', entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' }, external: ['zod', 'vitest'] }),
);
