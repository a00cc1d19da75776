import { rmSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { startSatcast } from '../runner.js';
import { parsePort } from './util.js';

/** `satcast start`: ingest, predict and serve. */
export function registerStart(program: Command): void {
  program
    .command('start')
    .description('ingest, predict and serve the REST API (embedded defaults: bundled BTCUSDT history, last week replayed live)')
    .option('-c, --config <file>', 'config file (satcast.config.{ts,mjs,js,json}); default: first found in cwd, else embedded defaults')
    .option('-p, --port <port>', 'HTTP port (overrides config and PORT)', parsePort)
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
      console.log(`[satcast]   dashboard:   ${sc.url}/    API docs: ${sc.url}/docs    live stream: ${sc.url!.replace('http', 'ws')}/stream/predictions`);
      const stop = async (signal: string) => {
        console.log(`[satcast] ${signal}: shutting down`);
        await sc.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
    });
}
