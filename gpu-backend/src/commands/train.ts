import { InvalidArgumentError, type Command } from 'commander';
import { consoleLogger, type Horizon } from '@satcast/core';
import { createStore } from '@satcast/adapter-store-libsql';
import { loadConfig } from '../config.js';
import { loadHistory } from '../backtest/history.js';
import { trainModels } from '../train/train.js';
import { progressBar } from './progress.js';
import { parseHorizons, parseList } from './util.js';
import { openRegistry } from '../registry/open.js';

const list = parseList;
const horizons = parseHorizons;
function share(v: string): number {
  const n = Number(v);
  if (!(n > 0 && n < 0.5)) throw new InvalidArgumentError('expected a share between 0 and 0.5');
  return n;
}

/** `satcast train`: versioned artifacts + model cards for the configured models; the backend serves the newest. */
export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train the configured models per horizon on the whole history; write versioned artifacts + model cards (served by `satcast start`)')
    .option('-c, --config <file>', 'config file; default: first found in cwd, else embedded defaults')
    .option('--models <list>', 'model ids (default: every configured model that is not refitted per bar)', list)
    .option('--horizons <list>', 'comma-separated horizons, default all configured', horizons)
    .option('--artifacts <dir>', 'artifact directory', '.satcast/artifacts')
    .option('--validation-share <x>', 'newest share of rows held out for the validation scores', share, 0.1)
    .option('--promote', 'make each new version champion at once (default: the first version of a line is champion, later ones enter as challenger)')
    .option('--no-registry', 'do not register the artifacts in the model registry')
    .action(async (o: { config?: string; models?: string[]; horizons?: Horizon[]; artifacts: string; validationShare: number; promote?: boolean; registry: boolean }) => {
      const { config } = await loadConfig({ path: o.config });
      const log = consoleLogger('train');
      const t0 = performance.now();
      const history = await loadHistory(
        {
          ...config,
          resolved: {
            ...config.resolved,
            // Training uses the whole history: nothing held back for a live replay.
            sources: config.resolved.sources.map((s) => (s.plugin.name === 'csv' ? { ...s, options: { ...(s.options as object), replay: { holdBackBars: 0, barsPerSecond: 1 } } } : s)),
          },
        },
        log,
      );
      const store = await createStore({ url: config.store.url });
      const reg = o.registry ? await openRegistry({ url: config.store.url, actor: 'train' }) : undefined;
      const bar = progressBar('train');
      try {
        const trained = await trainModels(config, store, history, {
          artifactsDir: o.artifacts,
          models: o.models,
          horizons: o.horizons,
          validationShare: o.validationShare,
          ...(reg ? { registry: reg.registry, promote: o.promote } : {}),
          log,
          onProgress: (d, t, what) => bar.update(d, t, what),
        });
        bar.done();
        for (const t of trained) {
          const v = t.card.validation[t.horizon]!;
          console.log(`${t.modelId} ${t.horizon} ${t.card.version} (${t.seconds.toFixed(1)} s): validation n=${v.n} MAE skill ${(v.maeSkillVsPersistence! * 100).toFixed(2)}% vs persistence, coverage90 ${(v.coverage90! * 100).toFixed(1)}%, hit ${(v.hitRate! * 100).toFixed(1)}%  -> ${t.file}${t.registered ? `  [registry ${t.registered.version}: ${t.registered.stage}]` : ''}`);
        }
        console.log(`trained ${trained.length} model(s) in ${((performance.now() - t0) / 1000).toFixed(1)} s; \`satcast start\` serves the newest`);
      } finally {
        await reg?.close();
        await store.close();
      }
    });
}
