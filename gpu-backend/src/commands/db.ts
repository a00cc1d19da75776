import type { Command } from 'commander';
import { migrate } from '@satcast/adapter-store-libsql';
import { loadConfig } from '../config.js';

/** `satcast db …`: store maintenance. */
export function registerDb(program: Command): void {
  const db = program.command('db').description('store maintenance');
  db.command('migrate')
    .description('apply pending store migrations (idempotent)')
    .option('-c, --config <file>', 'config file; default: first found in cwd, else embedded defaults')
    .option('--url <url>', 'store URL (overrides config), e.g. file:.satcast/satcast.db')
    .action(async (opts: { config?: string; url?: string }) => {
      const url = opts.url ?? (await loadConfig({ path: opts.config })).config.store.url;
      await migrate(url);
      console.log(`[satcast] store migrated: ${url}`);
    });
}
