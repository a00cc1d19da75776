/**
 * `satcast models list|show|promote|rollback`: the model registry from the command line. The registry
 * shares the store's database file; a manual promote runs the same Diebold-Mariano gate as automation on
 * the versions' scored outcomes and refuses unless `--force` (logged as FORCED); every move is a logged
 * decision. A running backend picks a manual promote/rollback up at its next restart.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { HorizonSchema, type Horizon, type ResolvedConfig } from '@satcast/core';
import { createStore } from '@satcast/adapter-store-libsql';
import { runModelsCommand, type ModelsArgs, type Stage } from '@satcast/registry';
import { loadConfig } from '../config.js';
import { openRegistry, versionOutcomes } from '../registry/open.js';

const horizon = (v: string): Horizon => {
  const r = HorizonSchema.safeParse(v);
  if (!r.success) throw new InvalidArgumentError('expected 1h, 4h or 24h');
  return r.data;
};
const STAGES = ['champion', 'challenger', 'shadow', 'archived', 'none'];
const stage = (v: string): Stage => {
  if (!STAGES.includes(v)) throw new InvalidArgumentError(`expected one of ${STAGES.join(', ')}`);
  return v as Stage;
};

/** Run one models command against the registry of a resolved config; returns the text to print. */
export async function runModels(config: ResolvedConfig, args: ModelsArgs, o: { artifactsDir?: string } = {}): Promise<string> {
  const store = await createStore({ url: config.store.url });
  const { registry, close } = await openRegistry({ url: config.store.url, actor: 'cli', ...(o.artifactsDir ? { artifactsDir: o.artifactsDir } : {}) });
  try {
    return await runModelsCommand(args, registry, { outcomes: versionOutcomes(store, config.asset) });
  } finally {
    await close();
    await store.close();
  }
}

interface Common {
  config?: string;
  artifacts?: string;
}

async function run(args: ModelsArgs, o: Common): Promise<void> {
  const { config } = await loadConfig({ path: o.config });
  console.log(await runModels(config, args, { ...(o.artifacts ? { artifactsDir: o.artifacts } : {}) }));
}

/** `satcast models …`: registered versions, their cards and decisions, promotion and rollback. */
export function registerModels(program: Command): void {
  const models = program.command('models').description('model registry: versions, model cards, promotion, rollback (every move is logged)');
  const common = (c: Command) =>
    c.option('-c, --config <file>', 'config file (for the store URL); default: first found in cwd').option('--artifacts <dir>', 'registry artifact directory (default: registry-artifacts beside the store file)');
  common(models.command('list').description('versions with stage, format, data range, sha-256 and parent'))
    .option('--asset <asset>').option('--horizon <h>', '1h | 4h | 24h', horizon).option('--name <model>', 'model id')
    .option('--stage <stage>', STAGES.join(' | '), stage).option('--json', 'JSON output')
    .action((o: Common & { asset?: string; horizon?: Horizon; name?: string; stage?: Stage; json?: boolean }) =>
      run({ command: 'list', asset: o.asset, horizon: o.horizon, name: o.name, stage: o.stage, json: o.json }, o));
  common(models.command('show <version>').description('model card, artifact and recent decisions of one version (e.g. huber@BTCUSDT-1h-v3)'))
    .option('--json', 'JSON output')
    .action((version: string, o: Common & { json?: boolean }) => run({ command: 'show', version, json: o.json }, o));
  common(models.command('promote <version>').description('make a version champion (runs the promotion gate on its scored outcomes)'))
    .option('--reason <text>', 'why (logged)', 'manual promote').option('--force', 'override a failed gate (logged as FORCED)')
    .action((version: string, o: Common & { reason: string; force?: boolean }) => run({ command: 'promote', version, reason: o.reason, force: o.force }, o));
  common(models.command('rollback').description('restore the previous champion of a line (exact previous bytes)'))
    .requiredOption('--name <model>', 'model id').requiredOption('--horizon <h>', '1h | 4h | 24h', horizon).requiredOption('--reason <text>', 'why (logged)')
    .option('--asset <asset>', 'asset', 'BTCUSDT')
    .action((o: Common & { name: string; horizon: Horizon; reason: string; asset: string }) => run({ command: 'rollback', asset: o.asset, horizon: o.horizon, name: o.name, reason: o.reason }, o));
}
