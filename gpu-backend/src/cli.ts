#!/usr/bin/env node
/**
 * @module satcast CLI
 * One file per command group under `commands/`; each exports `register<Name>(program)`. Errors print one
 * clear line naming the field and exit non-zero (2 for configuration errors); stack traces only with
 * SATCAST_DEBUG=1.
 */
import { Command } from 'commander';
import { ConfigError, SatcastError } from '@satcast/core';
import { registerStart } from './commands/start.js';
import { registerDb } from './commands/db.js';
import { registerKeys } from './commands/keys.js';
import { registerFeatures } from './commands/features.js';
import { registerBacktest } from './commands/backtest.js';
import { registerTrain } from './commands/train.js';
import { registerTune } from './commands/tune.js';
import { registerIngest } from './commands/ingest.js';
import { registerModels } from './commands/models.js';

const program = new Command();
program
  .name('satcast')
  .description('Satcast: honest Bitcoin forecasts (1h / 4h / 24h) from pluggable data sources and models')
  .version('0.1.0')
  .showHelpAfterError();

registerStart(program);
registerDb(program);
registerKeys(program);
registerFeatures(program);
registerBacktest(program);
registerTrain(program);
registerTune(program);
registerIngest(program);
registerModels(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof SatcastError) {
    console.error(err.message);
    process.exit(err instanceof ConfigError ? 2 : 1);
  }
  console.error(`[satcast] ${err instanceof Error ? err.message : String(err)}`);
  if (process.env.SATCAST_DEBUG) console.error(err);
  process.exit(1);
});
