import { InvalidArgumentError, type Command } from 'commander';
import { consoleLogger, HorizonSchema, toIso, type Horizon } from '@satcast/core';
import { loadConfig } from '../config.js';
import { loadHistory } from '../backtest/history.js';
import { DEFAULT_TUNE_TO, prepareTune, runTune } from '../tune/run.js';
import { progressBar } from './progress.js';
import { parseTimeArg } from './util.js';

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}
function integer(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected an integer >= 0');
  return n;
}
function horizon(v: string): Horizon {
  const r = HorizonSchema.safeParse(v);
  if (!r.success) throw new InvalidArgumentError(`unknown horizon "${v}" (use 1h, 4h, 24h)`);
  return r.data;
}

/** `10m`, `90s`, `1.5h`, `500ms`; a bare number is seconds. */
export function parseDuration(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(v.trim());
  if (!m) throw new InvalidArgumentError('expected a duration like 10m, 90s, 2h');
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  const ms = Number(m[1]) * unit;
  if (!(ms > 0)) throw new InvalidArgumentError('expected a positive duration');
  return ms;
}

const fmt = (v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(6)) : v);

/**
 * `satcast tune --model gbdt --horizon 4h --trials 300 --time-budget 30m`: TPE search with median pruning
 * on purged time-series CV of the history before `--to`; resumable study file; prints the best options.
 */
export function registerTune(program: Command): void {
  program
    .command('tune')
    .description('search a model\'s hyperparameters (TPE + median pruning) by purged time-series CV on the history before --to; resumable; prints the best options to paste into the config')
    .requiredOption('--model <id>', 'configured model id, or a model plugin name (gbdt, forest, ridge, huber) with its default options')
    .requiredOption('--horizon <h>', '1h, 4h or 24h', horizon)
    .option('-c, --config <file>', 'config file; default: first found in cwd, else embedded defaults')
    .option('--trials <n>', 'total trials in the study (stored ones count)', positiveInt, 1000)
    .option('--time-budget <duration>', 'stop starting trials after this long (10m, 90s, 2h)', parseDuration)
    .option('--to <time>', 'only rows issued before this are read (ISO date or epoch ms); default 2019-01-01, the start of the backtest period', parseTimeArg)
    .option('--study <path>', 'study file (JSONL); default <data dir>/tune/<model>-<horizon>.jsonl')
    .option('--seed <n>', 'sampler seed', integer, 1)
    .option('--folds <n>', 'CV folds', positiveInt, 5)
    .option('--window <bars>', 'only the newest bars before --to (default all)', positiveInt)
    .action(async (o: { model: string; horizon: Horizon; config?: string; trials: number; timeBudget?: number; to?: number; study?: string; seed: number; folds: number; window?: number }) => {
      const { config, registry } = await loadConfig({ path: o.config });
      // Tuning reads the whole stored history up to --to: no bars held back for a live replay.
      config.resolved.sources = config.resolved.sources.map((s) => (s.plugin.name === 'csv' ? { ...s, options: { ...(s.options as object), replay: { holdBackBars: 0, barsPerSecond: 1 } } } : s));
      const log = consoleLogger('tune');
      const to = o.to ?? DEFAULT_TUNE_TO;
      const opts = { model: o.model, horizon: o.horizon, to, studyPath: o.study, seed: o.seed, folds: o.folds };
      // Refuse a mismatched study file before the (slow) history load.
      prepareTune(config, registry, opts);
      console.log(`[tune] objective reads only rows issued before ${toIso(to)} (--to${o.to === undefined ? ', default: the start of the backtest period' : ''}) with targets public by then`);
      if (to > DEFAULT_TUNE_TO) console.log(`[tune] note: --to is after ${toIso(DEFAULT_TUNE_TO)}, where the backtest starts scoring: tuned values will have seen part of the scored period`);
      const history = await loadHistory(config, log);

      const ac = new AbortController();
      let interrupts = 0;
      const onSignal = (sig: string) => {
        if (++interrupts > 1) process.exit(130);
        console.error(`\n[tune] ${sig}: stopping after the running fold; finished trials are saved, the running one is discarded. Re-run the same command to resume (again to quit now)`);
        ac.abort();
      };
      const onInt = () => onSignal('SIGINT');
      const onTerm = () => onSignal('SIGTERM');
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);

      const bar = progressBar('tune');
      const t0 = Date.now();
      let startCount = -1, pruned = 0, failed = 0;
      try {
        const r = await runTune(config, registry, history, {
          ...opts,
          trials: o.trials,
          timeBudgetMs: o.timeBudget,
          windowBars: o.window,
          signal: ac.signal,
          log,
          onTrial: (rec, study) => {
            if (startCount < 0) startCount = study.trials.length - 1;
            pruned = study.trials.filter((t) => t.state === 'pruned').length;
            failed = study.trials.filter((t) => t.state === 'failed').length;
            const done = study.trials.length;
            // Progress is the larger of the trial share and the time-budget share, so the ETA holds for either.
            const byTrials = (done - startCount) / Math.max(1, o.trials - startCount);
            const byTime = o.timeBudget ? (Date.now() - t0) / o.timeBudget : 0;
            const best = study.best?.value;
            bar.update(Math.max(byTrials, byTime) * 1000, 1000, `trial ${done}/${o.trials} best ${best === undefined ? '-' : best.toFixed(4)} pruned ${pruned}${failed ? ` failed ${failed}` : ''}${rec.state === 'failed' ? ` (last failed: ${rec.error})` : ''}`);
          },
        });
        bar.done();
        const min = (Date.now() - t0) / 60_000;
        console.log(
          `[tune] ${r.header.model} ${r.header.horizon}: ${r.study.trials.length} trials in the study (${r.resumed} resumed, ${r.ran} run now in ${(min * 60).toFixed(0)} s, ${(r.ran / Math.max(min, 1e-9)).toFixed(1)}/min), ${pruned} pruned, ${failed} failed; stopped by ${r.stoppedBy}; rows ${toIso(r.rows.from)} .. ${toIso(r.rows.to)} (n=${r.rows.n})`,
        );
        console.log(`[tune] study: ${r.studyPath}`);
        if (!r.best) {
          console.log('[tune] no completed trial yet');
          return;
        }
        const b0 = r.baseline?.state === 'complete' ? r.baseline.value : undefined;
        console.log(`[tune] best: trial ${r.best.number}, CV z-pinball ${r.best.value!.toFixed(5)}${b0 === undefined ? '' : ` (configured options, trial 0: ${b0.toFixed(5)}; ${(100 * (1 - r.best.value! / b0)).toFixed(2)}% lower)`}`);
        console.log(`[tune] paste into your config's models (not edited automatically); also in ${r.bestPath}:`);
        const params = Object.fromEntries(Object.entries(r.best.params).map(([k, v]) => [k, fmt(v)]));
        console.log(JSON.stringify({ id: r.header.model, plugin: r.header.plugin, options: params }, null, 2));
      } finally {
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
      }
    });
}
