/**
 * `satcast backtest`: load history, walk forward, score, write `metrics.json`, `run.json` and a
 * self-contained `report.html`. Baselines (persistence, the EWMA-vol band) are always included, whatever
 * the configured models, so every number stands beside them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, DAY, type EnsembleConfig, type Horizon, type Logger, type PluginRegistry, type ResolvedConfig } from '@satcast/core';
import { TRAIN_ROWS } from '../pipeline/runtime.js';
import { loadHistory, type History } from './history.js';
import { scoreHorizon, trailingVol, type HorizonReport, type ModelMetrics } from './metrics.js';
import { renderReport } from './report.js';
import { createCombiner } from '../ensemble/combiner.js';
import { SERVED, walkForward, type BacktestModel, type HorizonResult } from './walk-forward.js';

export interface BacktestOptions {
  from?: number;
  to?: number;
  horizons?: readonly Horizon[];
  /** Model ids to run (default: every configured model). Baselines are always added. */
  models?: readonly string[];
  /**
   * Ensembles to score beside the models (default: the configured ones whose members all run). Extra
   * ensembles over every model run except persistence come from `ensembleMethods`.
   */
  ensembles?: readonly EnsembleConfig[];
  ensembleMethods?: readonly EnsembleConfig['method'][];
  /** With `ensembleMethods`: also a shock-aware variant leaning on this robust member. */
  shockRobust?: string;
  /** Model or ensemble id scored as `satcast` through the serving layer (default: config.servedModel). */
  served?: string;
  refitDays?: number;
  cheapRefitDays?: number;
  /** Per-model refit period in days, overriding `refitDays` (e.g. `{ transformer: 365 }`). */
  refitDaysByModel?: Readonly<Record<string, number>>;
  window?: 'sliding' | 'expanding';
  trainRows?: number;
  warmupDays?: number;
  aciGamma?: number;
  out?: string;
  log: Logger;
  onProgress?: (done: number, total: number, label: string) => void | Promise<void>;
}

export interface BacktestRun {
  meta: Record<string, unknown>;
  /** Per horizon, per model. */
  metrics: Record<string, Record<string, ModelMetrics>>;
  results: HorizonResult[];
  reports: Record<string, HorizonReport>;
}

/**
 * Configured models plus the baselines. `only` picks model ids; an id that is not configured but names a
 * registered model plugin runs with that plugin's default options (`--models gbdt,huber` on any config).
 */
export function backtestModels(config: ResolvedConfig, registry: PluginRegistry, only?: readonly string[]): BacktestModel[] {
  const configured = config.resolved.models.map((m) => ({ id: m.id, plugin: m.plugin, options: m.options }) as BacktestModel);
  const byDefault = (name: string): BacktestModel => {
    const plugin = registry.get('model', name);
    return { id: name, plugin, options: plugin.optionsSchema.parse({}) } as BacktestModel;
  };
  let chosen = configured;
  if (only?.length) {
    const unknown = only.filter((id) => !configured.some((m) => m.id === id) && !registry.has('model', id));
    if (unknown.length) {
      throw new ConfigError(`--models: unknown model id(s) ${unknown.join(', ')} (configured: ${configured.map((m) => m.id).join(', ')}; registered: ${registry.list('model').map((p) => p.name).join(', ')})`, { field: '--models' });
    }
    chosen = [
      ...configured.filter((m) => only.includes(m.id) || m.id === config.servedModel),
      ...only.filter((id) => !configured.some((m) => m.id === id)).map(byDefault),
    ];
  }
  for (const base of ['ewma-band', 'persistence']) if (!chosen.some((m) => m.id === base)) chosen.unshift(byDefault(base));
  return chosen;
}

export async function runBacktest(config: ResolvedConfig, registry: PluginRegistry, o: BacktestOptions, history?: History): Promise<BacktestRun> {
  const t0 = performance.now();
  if (o.from !== undefined && o.to !== undefined && !(o.to > o.from)) {
    throw new ConfigError(`--to (${new Date(o.to).toISOString()}) must be after --from (${new Date(o.from).toISOString()})`, { field: '--to' });
  }
  const h = history ?? (await loadHistory(config, o.log));
  const first = h.openTime[0]! + h.barMs;
  const lastClose = h.openTime[h.openTime.length - 1]! + h.barMs;
  const from = o.from ?? first + 365 * DAY;
  const to = o.to ?? lastClose + 1;
  if (!(to > from)) throw new ConfigError(`--to (${new Date(to).toISOString()}) must be after --from (${new Date(from).toISOString()})`, { field: '--to' });
  if (from < first) throw new ConfigError(`--from ${new Date(from).toISOString()} is before the first candle (${new Date(first).toISOString()})`, { field: '--from' });
  const horizons = o.horizons?.length ? o.horizons : config.horizons;
  const servedId = o.served ?? config.servedModel;
  const configuredEnsembles = (o.ensembles ?? config.ensembles).filter((e) => e.enabled);
  const servedEnsemble = configuredEnsembles.find((e) => e.id === servedId);
  const cliEnsembleIds = (o.ensembleMethods ?? []).flatMap((m) => [m, ...(o.shockRobust && m !== 'equal' ? [`${m}-shock`] : [])]);
  const servedIsModel = !servedEnsemble && !cliEnsembleIds.includes(servedId);
  const wanted = o.models?.length ? [...new Set([...o.models, ...(servedEnsemble?.members ?? []), ...(servedIsModel ? [servedId] : [])])] : undefined;
  const models = backtestModels({ ...config, servedModel: servedIsModel ? servedId : (servedEnsemble?.members[0] ?? 'persistence') }, registry, wanted);
  for (const [id, days] of Object.entries(o.refitDaysByModel ?? {})) {
    const m = models.find((x) => x.id === id);
    if (!m) throw new ConfigError(`--refit: "${id}" is not among the models run (${models.map((x) => x.id).join(', ')})`, { field: '--refit' });
    if (!(days > 0)) throw new ConfigError(`--refit: ${id}=${days} must be a positive number of days`, { field: '--refit' });
    m.refitEveryMs = days * DAY;
  }
  const ran = new Set(models.map((m) => m.id));
  const ensembles: EnsembleConfig[] = configuredEnsembles.filter((e) => e.members.every((m) => ran.has(m)));
  const pool = models.map((m) => m.id).filter((id) => id !== 'persistence');
  for (const method of o.ensembleMethods ?? []) {
    if (pool.length < 2) throw new ConfigError(`--ensembles needs at least two models besides persistence (have: ${pool.join(', ') || 'none'})`, { field: '--ensembles' });
    const add = (id: string, shock?: EnsembleConfig['shock']) => {
      if (ran.has(id) || ensembles.some((e) => e.id === id)) throw new ConfigError(`--ensembles: id "${id}" is already a model or ensemble`, { field: '--ensembles' });
      ensembles.push({ id, method, members: pool, options: {}, enabled: true, ...(shock ? { shock } : {}) });
    };
    add(method);
    // The equal mean has no weights to shift: shock-aware variants exist for stack and dynamic only.
    if (o.shockRobust && method !== 'equal') {
      if (!pool.includes(o.shockRobust)) throw new ConfigError(`--shock: "${o.shockRobust}" is not among the models run (${pool.join(', ')})`, { field: '--shock' });
      add(`${method}-shock`, { feature: 'iforest_score', robust: o.shockRobust, threshold: 0.6 });
    }
  }
  // Fail now, not after an hour of fits: every ensemble's combiner options are valid.
  for (const e of ensembles) createCombiner(e);
  if (!ran.has(servedId) && !ensembles.some((e) => e.id === servedId)) {
    throw new ConfigError(`--served: "${servedId}" is neither a model run nor an ensemble (models: ${[...ran].join(', ')}; ensembles: ${ensembles.map((e) => e.id).join(', ') || 'none'})`, { field: '--served' });
  }
  const opts = {
    horizons,
    models,
    ensembles,
    servedModel: servedId,
    from,
    to,
    refitEveryMs: (o.refitDays ?? 90) * DAY,
    cheapRefitEveryMs: (o.cheapRefitDays ?? 1) * DAY,
    window: o.window ?? 'sliding',
    trainRows: o.trainRows ?? TRAIN_ROWS,
    warmupMs: Math.min((o.warmupDays ?? 90) * DAY, Math.max(0, from - first - 60 * DAY)),
    confidenceThreshold: config.confidenceThreshold,
    aciGamma: o.aciGamma ?? 0.005,
    log: o.log,
    onProgress: o.onProgress,
  } as const;
  const tLoad = performance.now();
  const results = await walkForward(h, opts);
  const metrics: BacktestRun['metrics'] = {};
  const reports: Record<string, HorizonReport> = {};
  for (const r of results) {
    const rep = scoreHorizon(r, trailingVol(h.close, r.rows), { confidenceThreshold: config.confidenceThreshold, barMs: h.barMs });
    reports[r.horizon] = rep;
    metrics[r.horizon] = rep.metrics;
  }
  const meta = {
    generatedAt: new Date().toISOString(),
    asset: config.asset,
    interval: config.interval,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    bars: h.bars.length,
    dataRange: [new Date(h.openTime[0]!).toISOString(), new Date(h.openTime[h.openTime.length - 1]!).toISOString()],
    horizons,
    models: models.map((m) => ({ id: m.id, plugin: m.plugin.name, options: m.options, ...(m.refitEveryMs ? { refitDays: m.refitEveryMs / DAY } : {}) })),
    ensembles,
    served: { as: SERVED, model: servedId, layer: 'ACI band scaling + Platt-recalibrated pUp + conservative shrink', aciGamma: opts.aciGamma },
    refitDays: opts.refitEveryMs / DAY,
    cheapRefitDays: opts.cheapRefitEveryMs / DAY,
    window: opts.window,
    trainRows: opts.trainRows,
    warmupDays: opts.warmupMs / DAY,
    confidenceThreshold: config.confidenceThreshold,
    quarantined: h.quarantined,
    seconds: { load: (tLoad - t0) / 1000, total: (performance.now() - t0) / 1000 },
  };
  const run: BacktestRun = { meta, metrics, results, reports };
  if (o.out) {
    mkdirSync(o.out, { recursive: true });
    writeFileSync(join(o.out, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
    writeFileSync(join(o.out, 'run.json'), `${JSON.stringify(meta, null, 2)}\n`);
    writeFileSync(join(o.out, 'report.html'), renderReport(run));
  }
  return run;
}
