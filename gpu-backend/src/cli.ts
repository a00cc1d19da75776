#!/usr/bin/env node
/**
 * @module satcast CLI
 * `satcast start` runs the product; `satcast db migrate` applies store migrations. Later commands (ingest,
 * features, train, backtest, models) hang off the same program. Errors print one clear line naming the
 * field and exit non-zero; no stack traces unless SATCAST_DEBUG=1.
 */
import { rmSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, SatcastError } from '@satcast/core';
import { migrate } from '@satcast/adapter-store-libsql';
import { loadConfig } from './config.js';
import { startSatcast } from './runner.js';

const program = new Command();
program
  .name('satcast')
  .description('Satcast: honest Bitcoin forecasts (1h / 4h / 24h) from pluggable data sources and models')
  .version('0.1.0')
  .showHelpAfterError();

const port = (v: string): number => {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535) throw new InvalidArgumentError('expected an integer port 0-65535');
  return n;
};

program
  .command('start')
  .description('ingest, predict and serve the REST API (embedded defaults: bundled BTCUSDT history, last week replayed live)')
  .option('-c, --config <file>', 'config file (satcast.config.{ts,mjs,js,json}); default: first found in cwd, else embedded defaults')
  .option('-p, --port <port>', 'HTTP port (overrides config and PORT)', port)
  .option('--no-live', 'do not subscribe to live/replay feeds after backfill')
  .option('--fresh', 'delete the embedded store file before starting')
  .action(async (opts: { config?: string; port?: number; live: boolean; fresh?: boolean }) => {
    const { config, origin } = await loadConfig({ path: opts.config });
    if (opts.port !== undefined) config.server.port = opts.port;
    if (opts.fresh && config.store.url.startsWith('file:')) {
      for (const suffix of ['', '-wal', '-shm']) rmSync(config.store.url.slice(5) + suffix, { force: true });
    }
    console.log(`[satcast] config: ${origin}`);
    const sc = await startSatcast(config, { live: opts.live });
    console.log(`[satcast] serving ${config.asset} forecasts at ${sc.url}`);
    console.log(`[satcast]   predictions: ${sc.url}/api/v1/predictions   (?horizon=1h|4h|24h)`);
    console.log(`[satcast]   health:      ${sc.url}/api/v1/health`);
    const stop = async (signal: string) => {
      console.log(`[satcast] ${signal}: shutting down`);
      await sc.close();
      process.exit(0);
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
  });

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

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof SatcastError) {
    console.error(err.message);
    process.exit(err instanceof ConfigError ? 2 : 1);
  }
  console.error(`[satcast] ${err instanceof Error ? err.message : String(err)}`);
  if (process.env.SATCAST_DEBUG) console.error(err);
  process.exit(1);
});
