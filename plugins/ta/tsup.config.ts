import { defineConfig } from 'tsup';
import { libraryConfig } from '../../tsup.shared.ts';

export default defineConfig(libraryConfig({ platform: 'neutral', entry: ['src/index.ts', 'src/testing.ts'] }));
