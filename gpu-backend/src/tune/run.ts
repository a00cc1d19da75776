/**
 * `satcast tune` without the CLI: resolve the model, build the point-in-time rows before `to`, open (or
 * resume) the JSONL study, run TPE with median pruning until the trial count, the time budget or an
 * abort, and write the best parameters to `<study>.best.json`. The config is never edited.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError, type Horizon, type Logger, type ModelDefinition, type PluginRegistry, type ResolvedConfig } from '@satcast/core';
import { contains, MedianPruner, Study, TpeSampler, type OptimizeResult, type SearchSpace, type TrialRecord } from '@satcast/plugin-automl';
import type { History } from '../backtest/history.js';
import { OBJECTIVE, tuneObjective, tuneRows } from './objective.js';
import { JsonlStudyStorage, type StudyHeader } from './storage.js';
import { tuneSpace } from './space.js';

/** Default `--to`: the start of the backtest period, so tuned values never see the scored years. */
export const DEFAULT_TUNE_TO = Date.UTC(2019, 0, 1);

export interface TuneOptions {
  /** Configured model id, or a registered model plugin name (its default options). */
  model: string;
  horizon: Horizon;
  /** Total trials the study should hold (stored ones included). Default 1000. */
  trials?: number;
  timeBudgetMs?: number;
  to?: number;
  /** Study file; default `<dataDir>/tune/<model>-<horizon>.jsonl`. */
  studyPath?: string;
  seed?: number;
  folds?: number;
  /** Only the newest bars before `to` (default all). */
  windowBars?: number;
  signal?: AbortSignal;
  clock?: () => number;
  log?: Logger;
  onTrial?: (record: TrialRecord, study: Study) => void;
  /** Replace the plugin's search space (tests, experiments); recorded in the header like the default. */
  space?: SearchSpace;
}

export interface TuneResult extends OptimizeResult {
  /** Trial 0: the configured options (their values inside the space). */
  baseline?: TrialRecord;
  study: Study;
  header: StudyHeader;
  studyPath: string;
  bestPath?: string;
  /** Trials already in the file when this run started. */
  resumed: number;
  rows: { n: number; from: number; to: number };
}

/** Directory `satcast tune` writes to: beside a `file:` store, else `.satcast`. */
export function dataDir(config: ResolvedConfig): string {
  const url = config.store.url;
  return url.startsWith('file:') ? dirname(resolve(url.slice(5))) : resolve('.satcast');
}

function resolveModel(config: ResolvedConfig, registry: PluginRegistry, id: string): { plugin: ModelDefinition<unknown>; options: Record<string, unknown> } {
  const configured = config.resolved.models.find((m) => m.id === id);
  if (configured) return { plugin: configured.plugin as ModelDefinition<unknown>, options: configured.options as Record<string, unknown> };
  if (registry.has('model', id)) {
    const plugin = registry.get('model', id) as ModelDefinition<unknown>;
    return { plugin, options: plugin.optionsSchema.parse({}) as Record<string, unknown> };
  }
  throw new ConfigError(`--model: unknown model "${id}" (configured: ${config.resolved.models.map((m) => m.id).join(', ')}; registered: ${registry.list('model').map((p) => p.name).join(', ')})`, { field: '--model' });
}

/** The best trial as the options object to paste into the model's config entry. */
export function bestSnippet(header: StudyHeader, best: TrialRecord, baseOptions: Record<string, unknown>): Record<string, unknown> {
  return { id: header.model, plugin: header.plugin, options: { ...baseOptions, ...best.params } };
}

/** What a study is about, resolved before any data is loaded (so a mismatched study file fails fast). */
export interface PreparedTune {
  plugin: ModelDefinition<unknown>;
  options: Record<string, unknown>;
  header: StudyHeader;
  studyPath: string;
  storage: JsonlStudyStorage;
}

/**
 * Resolve the model and its space, and open (or create) the study file, refusing one started with other
 * settings. Cheap: call it before loading history.
 * @example
 * const { studyPath } = prepareTune(config, registry, { model: 'gbdt', horizon: '4h' });
 */
export function prepareTune(config: ResolvedConfig, registry: PluginRegistry, o: TuneOptions): PreparedTune {
  const { plugin, options } = resolveModel(config, registry, o.model);
  const space = o.space ?? tuneSpace(plugin.name);
  // Trial parameters must be valid options (catches a space that drifted from the plugin's schema).
  for (const [k, p] of Object.entries(space)) {
    const probe = p.type === 'categorical' ? p.choices[0] : p.low;
    const r = plugin.optionsSchema.safeParse({ ...options, [k]: probe });
    if (!r.success) throw new ConfigError(`search space parameter "${k}" is not a valid option of ${plugin.name}: ${r.error.issues[0]?.message}`, { field: `space.${k}` });
  }
  const header: StudyHeader = {
    kind: 'satcast-tune-study',
    version: 1,
    model: o.model,
    plugin: plugin.name,
    horizon: o.horizon,
    space,
    baseOptions: options,
    to: o.to ?? DEFAULT_TUNE_TO,
    seed: o.seed ?? 1,
    folds: o.folds ?? 5,
    objective: OBJECTIVE,
    createdAt: new Date(o.clock?.() ?? Date.now()).toISOString(),
  };
  const studyPath = o.studyPath ?? join(dataDir(config), 'tune', `${o.model}-${o.horizon}.jsonl`);
  return { plugin, options, header, studyPath, storage: new JsonlStudyStorage(studyPath, header) };
}

/**
 * Run (or resume) a tuning study.
 * @example
 * const r = await runTune(config, registry, history, { model: 'gbdt', horizon: '4h', trials: 200, timeBudgetMs: 600_000 });
 */
export async function runTune(config: ResolvedConfig, registry: PluginRegistry, history: History, o: TuneOptions): Promise<TuneResult> {
  const { plugin, options, header, studyPath, storage } = prepareTune(config, registry, o);
  const { space, to, seed, folds } = header;
  const inputs = plugin.inputs(options);
  const missing = inputs.filter((f) => !history.cols[f]);
  if (missing.length) throw new ConfigError(`model "${o.model}" needs feature(s) ${missing.join(', ')} that no configured feature set produces`, { field: '--model' });
  const rows = tuneRows(history, o.horizon, inputs, to, o.windowBars);
  if (rows.times.length < 100) throw new ConfigError(`only ${rows.times.length} rows before --to ${new Date(to).toISOString()}; tuning needs history before it`, { field: '--to' });
  // Trial 0 runs the configured (or default) values that lie in the space: the baseline to beat.
  const baseline = Object.fromEntries(Object.keys(space).filter((k) => contains(space[k]!, options[k])).map((k) => [k, options[k] as never]));
  const study = await Study.create({
    space,
    sampler: new TpeSampler({ seed }),
    // Five complete trials before pruning, and never on the first fold (the smallest training window).
    pruner: new MedianPruner({ nStartupTrials: 5, nWarmupSteps: 1 }),
    storage,
    enqueued: [baseline],
    ...(o.clock ? { clock: o.clock } : {}),
  });
  const resumed = study.trials.length;
  const objective = tuneObjective({ def: plugin, baseOptions: options, rows, folds, barMs: history.barMs, log: o.log });
  const res = await study.optimize(objective, { nTrials: o.trials ?? 1000, timeBudgetMs: o.timeBudgetMs, signal: o.signal, onTrial: o.onTrial });
  let bestPath: string | undefined;
  if (res.best) {
    bestPath = studyPath.replace(/\.jsonl$/, '') + '.best.json';
    const snippet = bestSnippet(header, res.best, options);
    writeFileSync(bestPath, `${JSON.stringify({ model: o.model, plugin: plugin.name, horizon: o.horizon, to: new Date(to).toISOString(), objective: OBJECTIVE, value: res.best.value, trial: res.best.number, trials: study.trials.length, params: res.best.params, config: snippet }, null, 2)}\n`);
  }
  return { ...res, baseline: study.trials.find((t) => t.number === 0), study, header, studyPath, bestPath, resumed, rows: { n: rows.times.length, from: rows.times[0]!, to: rows.times.at(-1)! } };
}
