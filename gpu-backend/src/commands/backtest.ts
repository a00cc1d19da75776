import { InvalidArgumentError, type Command } from 'commander';
import { ConfigError, consoleLogger, type Horizon } from '@satcast/core';
import { loadConfig } from '../config.js';
import { runBacktest } from '../backtest/run.js';
import { SERVED } from '../backtest/walk-forward.js';
import { parseTimeArg } from './util.js';
import { progressBar } from './progress.js';
import { parseHorizons, parseList } from './util.js';

const list = parseList;
const horizons = parseHorizons;
function positive(v: string): number {
  const n = Number(v);
  if (!(n > 0)) throw new InvalidArgumentError('expected a positive number');
  return n;
}

function refitList(v: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of v.split(',').map((x) => x.trim()).filter(Boolean)) {
    const m = /^([^=\s]+)=(\d+(?:\.\d+)?)$/.exec(part);
    if (!m || !(Number(m[2]) > 0)) throw new InvalidArgumentError(`expected id=days (days > 0), got "${part}"`);
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

function ensembleMethods(list: string[] | undefined): ('stack' | 'dynamic' | 'equal')[] | undefined {
  if (!list) return undefined;
  const bad = list.filter((m) => m !== 'stack' && m !== 'dynamic' && m !== 'equal');
  if (bad.length) throw new ConfigError(`--ensembles: unknown method(s) ${bad.join(', ')} (expected stack, dynamic, equal)`, { field: '--ensembles' });
  return list as ('stack' | 'dynamic' | 'equal')[];
}

/**
 * `satcast backtest --candles my.csv --from 2024-01-01 --to 2024-12-31 --out report/`: walk-forward
 * evaluation of every configured model and the baselines; writes metrics.json, run.json, report.html.
 */
export function registerBacktest(program: Command): void {
  program
    .command('backtest')
    .description('walk-forward evaluation of every configured model beside persistence and the EWMA-vol band; writes metrics.json + report.html')
    .option('-c, --config <file>', 'config file; default: first found in cwd, else embedded defaults')
    .option('--candles <csv>', 'candles CSV (header ts,open,high,low,close,volume; ts = open time, epoch ms; .gz ok) instead of the configured candle source')
    .option('--from <time>', 'first issue time scored (ISO date or epoch ms); default one year after the first candle', parseTimeArg)
    .option('--to <time>', 'end of the scored issue times (exclusive); default after the last candle', parseTimeArg)
    .option('--horizons <list>', 'comma-separated horizons, default all configured', horizons)
    .option('--models <list>', 'comma-separated model ids: configured ones, or any registered model plugin with its default options (default: all configured; baselines always included)', list)
    .option('--ensembles <list>', 'also score ensembles over every model run except persistence: stack, dynamic and/or equal (configured ensembles always run)', list)
    .option('--shock <member>', 'with --ensembles: also a shock-aware variant of each (needs the `shock` feature set\'s iforest_score) leaning on this robust member, e.g. huber')
    .option('--served <id>', 'model or ensemble id scored as `satcast` through the serving layer (default: servedModel)')
    .option('--refit-days <n>', 'refit period of the trained models, days (baselines refit daily)', positive, 90)
    .option('--refit <list>', 'per-model refit period in days, overriding --refit-days: id=days,... (e.g. transformer=365)', refitList)
    .option('--window <kind>', 'sliding or expanding training window', 'sliding')
    .option('--train-rows <n>', 'bars in a sliding window (default: the live pipeline\'s)', positive)
    .option('--out <dir>', 'output directory', 'report')
    .action(async (o: { config?: string; candles?: string; from?: number; to?: number; horizons?: Horizon[]; models?: string[]; ensembles?: string[]; shock?: string; served?: string; refit?: Record<string, number>; refitDays: number; window: string; trainRows?: number; out: string }) => {
      if (o.window !== 'sliding' && o.window !== 'expanding') throw new ConfigError(`--window must be "sliding" or "expanding" (got "${o.window}")`, { field: '--window' });
      const { config, registry } = await loadConfig({ path: o.config });
      if (o.candles) {
        // The user's candles replace the configured candle sources; observation sources stay.
        const csv = registry.get('source', 'csv');
        const options = csv.optionsSchema.parse({ path: o.candles, symbol: config.asset, interval: config.interval });
        config.resolved.sources = [
          { id: 'candles', plugin: csv, options },
          ...config.resolved.sources.filter((s) => !s.plugin.series(s.options as never).some((d) => d.kind === 'candles')),
        ];
      } else {
        // Backtests use the whole history: no bars held back for a live replay.
        config.resolved.sources = config.resolved.sources.map((s) =>
          s.plugin.name === 'csv' ? { ...s, options: { ...(s.options as object), replay: { holdBackBars: 0, barsPerSecond: 1 } } } : s,
        );
      }
      const log = consoleLogger('backtest');
      const bar = progressBar('backtest');
      const run = await runBacktest(config, registry, {
        from: o.from,
        to: o.to,
        horizons: o.horizons,
        models: o.models,
        ensembleMethods: ensembleMethods(o.ensembles),
        ...(o.shock ? { shockRobust: o.shock } : {}),
        ...(o.served ? { served: o.served } : {}),
        refitDays: o.refitDays,
        ...(o.refit ? { refitDaysByModel: o.refit } : {}),
        window: o.window,
        trainRows: o.trainRows,
        out: o.out,
        log,
        onProgress: (done, total, label) => bar.update(done, total, label),
      });
      bar.done();
      for (const [h, models] of Object.entries(run.metrics)) {
        console.log(`\n${h}  (n = ${models.persistence?.n ?? '?'})`);
        console.log(`  ${'model'.padEnd(14)} ${'MAE skill'.padStart(9)} ${'DM p'.padStart(7)} ${'cov90'.padStart(6)} ${'terciles'.padStart(17)} ${'pinball'.padStart(8)} ${'hit'.padStart(6)} ${'ECE'.padStart(6)}`);
        for (const [name, m] of Object.entries(models)) {
          const p = (v: number) => `${(v * 100).toFixed(1)}%`;
          console.log(
            `  ${(name === SERVED ? `${name}*` : name).padEnd(14)} ${p(m.maeSkillVsPersistence).padStart(9)} ${(m.dmPValueVsPersistence === null ? '–' : m.dmPValueVsPersistence.toFixed(3)).padStart(7)} ${p(m.coverage90).padStart(6)} ${m.coverage90ByVolTercile.map((c) => (c * 100).toFixed(1)).join('/').padStart(17)} ${m.pinball.toFixed(1).padStart(8)} ${p(m.hitRate).padStart(6)} ${m.ece.toFixed(3).padStart(6)}`,
          );
        }
      }
      console.log(`\nwrote ${o.out}/metrics.json, ${o.out}/run.json, ${o.out}/report.html in ${(run.meta.seconds as { total: number }).total.toFixed(1)} s`);
    });
}
