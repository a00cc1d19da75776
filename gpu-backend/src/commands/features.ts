import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { featureCatalog } from '../feature-catalog.js';

const hours = (ms: number) => (ms === 0 ? '0' : `${ms / 3_600_000}h`);

/** `satcast features list [--json]`: the feature registry. */
export function registerFeatures(program: Command): void {
  const features = program.command('features').description('feature registry');
  features
    .command('list')
    .description('every feature of every feature plugin: name, plugin, inputs, lookback, publication lag, description')
    .option('--json', 'one JSON array, for machines')
    .option('--active', 'only the feature sets in the config')
    .option('-c, --config <file>', 'config file; default: first found in cwd, else embedded defaults')
    .action(async (opts: { json?: boolean; active?: boolean; config?: string }) => {
      const { config, registry } = await loadConfig({ path: opts.config });
      let rows = featureCatalog(registry, config);
      if (opts.active) rows = rows.filter((r) => r.active);
      if (opts.json) {
        console.log(JSON.stringify(rows, null, 2));
        return;
      }
      const w = Math.max(...rows.map((r) => r.name.length));
      console.log(`${'feature'.padEnd(w)}  ${'plugin'.padEnd(9)} ${'active'.padEnd(6)} ${'lookback'.padStart(8)}  ${'lag'.padEnd(4)} inputs | description`);
      for (const r of rows) {
        console.log(`${r.name.padEnd(w)}  ${r.plugin.padEnd(9)} ${(r.active ? 'yes' : '').padEnd(6)} ${String(r.lookback).padStart(8)}  ${hours(r.publicationLagMs).padEnd(4)} ${r.inputs.join(',')} | ${r.description}`);
      }
      const plugins = new Set(rows.map((r) => r.plugin));
      console.log(`\n${rows.length} features from ${plugins.size} feature plugins (${[...plugins].join(', ')})`);
    });
}
