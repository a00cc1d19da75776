/**
 * The one tsup setup every library package uses: ESM, .d.ts, source maps, ES2022. Packages re-export
 * `libraryConfig(...)` from their tsup.config.ts, naming only what differs (platform, extra entries).
 */
import type { Options } from 'tsup';

export function libraryConfig(opts: { platform: 'node' | 'neutral'; entry?: Options['entry']; external?: string[] }): Options {
  return {
    entry: opts.entry ?? ['src/index.ts'],
    format: ['esm'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'es2022',
    platform: opts.platform,
    external: opts.external,
  };
}
