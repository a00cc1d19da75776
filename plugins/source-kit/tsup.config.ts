import { defineConfig } from 'tsup';
import { libraryConfig } from '../../tsup.shared.ts';

// Neutral: the main entry runs in workerd too. `testing` (the fake provider) imports node:http, which stays
// external, and only tests import that entry.
export default defineConfig(libraryConfig({ platform: 'neutral', entry: ['src/index.ts', 'src/testing.ts'], external: ['cockatiel', 'node:http', 'node:net'] }));
