import { defineConfig } from 'tsup';
import { libraryConfig } from '../../tsup.shared.ts';

// The library and both model plugins are runtime-neutral; `worker` is the optional Node-only entry
// (worker_threads) and is never imported by `index`.
export default defineConfig(libraryConfig({ platform: 'neutral', entry: ['src/index.ts', 'src/worker.ts'] }));
