/**
 * `satcast train`: fit every configured model that is not cheap to refit, per horizon, on the whole
 * history; score a time-ordered validation split (the last `validationShare` of rows, fitted only on rows
 * whose target was public before it) beside persistence; then refit on everything and save the artifact
 * with its model card. The backend serves the newest champion (see Pipeline.init).
 */
import {
  ConfigError,
  createPluginContext,
  expectedCalibrationError,
  HORIZON_MS,
  logReturnTargets,
  meanPinball,
  sequenceContext,
  type Horizon,
  type Logger,
  type ModelCard,
  type ResolvedConfig,
  type Store,
  type TrainingSet,
} from '@satcast/core';
import type { ModelRegistry } from '@satcast/registry';
import { trainingRows, type History } from '../backtest/history.js';
import { saveArtifact, type SavedArtifact } from './artifacts.js';

export interface TrainOptions {
  artifactsDir: string;
  models?: readonly string[];
  horizons?: readonly Horizon[];
  /** Share of the newest rows held out for the validation scores. Default 0.1. */
  validationShare?: number;
  /** Most recent rows to fit on (default: all). */
  trainRows?: number;
  log: Logger;
  now?: number;
  onProgress?: (done: number, total: number, label: string) => void;
  /**
   * Register every artifact in the model registry: the first version of a line becomes champion, later
   * ones enter as challenger (the promotion gate decides) unless `promote` is set.
   */
  registry?: ModelRegistry;
  promote?: boolean;
}

export interface TrainedModel extends SavedArtifact {
  modelId: string;
  horizon: Horizon;
  seconds: number;
  /** Registry version (`huber@BTCUSDT-1h-v2`) and the alias it got, when a registry was given. */
  registered?: { version: string; stage: 'champion' | 'challenger'; parent?: string };
}

/** Rows [end - rows, end) (all when `rows` is unset), point-in-time as of `publicBy`. */
function trainingSet(h: History, horizon: Horizon, inputs: readonly string[], target: Float64Array, end: number, publicBy: number, rows?: number): TrainingSet {
  return trainingRows(h, horizon, inputs, target, rows ? Math.max(0, end - rows) : 0, end, publicBy);
}

export async function trainModels(config: ResolvedConfig, store: Store, h: History, o: TrainOptions): Promise<TrainedModel[]> {
  const horizons = o.horizons?.length ? o.horizons : config.horizons;
  const chosen = config.resolved.models.filter((m) => (o.models?.length ? o.models.includes(m.id) : !m.plugin.capabilities.cheapRefit));
  if (o.models?.length) {
    const unknown = o.models.filter((id) => !config.resolved.models.some((m) => m.id === id));
    if (unknown.length) throw new ConfigError(`--models: unknown model id(s) ${unknown.join(', ')}`, { field: '--models' });
  }
  if (!chosen.length) {
    throw new ConfigError('no trainable model configured: every configured model refits on each bar (add e.g. { plugin: "gbdt" } to models, or pass --models)', { field: 'models' });
  }
  const n = h.openTime.length;
  const lastClose = h.openTime[n - 1]! + h.barMs;
  const share = o.validationShare ?? 0.1;
  const splitRow = Math.floor(n * (1 - share));
  const splitTime = h.openTime[splitRow]! + h.barMs;
  const out: TrainedModel[] = [];
  let done = 0;
  for (const m of chosen) {
    const inputs = m.plugin.inputs(m.options);
    const missing = inputs.filter((f) => !h.cols[f]);
    if (missing.length) throw new ConfigError(`model "${m.id}" needs feature(s) ${missing.join(', ')} that no configured feature set produces`, { field: 'models' });
    for (const horizon of horizons) {
      const t0 = performance.now();
      const ctx = createPluginContext({ log: o.log });
      // Validation: fit on what was public at the split, score the rows after it.
      const target = logReturnTargets(h.openTime, h.close, HORIZON_MS[horizon]);
      const valModel = await m.plugin.create(m.options, ctx);
      await valModel.fit(trainingSet(h, horizon, inputs, target, splitRow + 1, splitTime, o.trainRows));
      const rows: number[] = [];
      for (let i = splitRow + 1; i < n; i++) if (Number.isFinite(target[i]!)) rows.push(i);
      const f = await valModel.predict({
        horizon,
        times: Float64Array.from(rows, (i) => h.openTime[i]! + h.barMs),
        features: Object.fromEntries(inputs.map((c) => [c, Float64Array.from(rows, (i) => h.cols[c]![i]!)])),
        ...seqContext(h, inputs, rows[0] ?? n, m.plugin.capabilities.sequenceLength),
      });
      let ae = 0, aeP = 0, cov = 0, hit = 0, pin = 0;
      rows.forEach((i, k) => {
        const c = h.close[i]!;
        const a = c * Math.exp(target[i]!);
        // Pinball on prices, as live outcomes are scored (the registry's rollback baseline).
        pin += meanPinball(Object.fromEntries(Object.entries(f[k]!.quantiles).map(([q, v]) => [q, c * Math.exp(v)])) as never, a);
        ae += Math.abs(a - c * Math.exp(f[k]!.point));
        aeP += Math.abs(a - c);
        cov += target[i]! >= f[k]!.quantiles.p05 && target[i]! <= f[k]!.quantiles.p95 ? 1 : 0;
        hit += (f[k]!.pUp > 0.5) === target[i]! > 0 ? 1 : 0;
      });
      const validation = {
        n: rows.length,
        mae: ae / rows.length,
        pinball: pin / rows.length,
        maePersistence: aeP / rows.length,
        maeSkillVsPersistence: 1 - ae / aeP,
        coverage90: cov / rows.length,
        hitRate: hit / rows.length,
        ece: expectedCalibrationError(f.map((x) => x.pUp), rows.map((i) => (target[i]! > 0 ? 1 : 0))),
      };
      // Final: everything public now.
      const model = await m.plugin.create(m.options, ctx);
      await model.fit(trainingSet(h, horizon, inputs, target, n, lastClose, o.trainRows));
      const blob = model.serialize();
      // Models that choose their own inputs (feature selection) name the chosen set in their forecasts' info.
      const [probe] = await model.predict({
        horizon,
        times: Float64Array.of(lastClose),
        features: Object.fromEntries(inputs.map((c) => [c, Float64Array.of(h.cols[c]![n - 1]!)])),
        ...seqContext(h, inputs, n - 1, m.plugin.capabilities.sequenceLength),
      });
      const selected = probe?.info?.selectedFeatures;
      const chosenInputs = Array.isArray(selected) && selected.every((x) => typeof x === 'string') ? (selected as string[]) : undefined;
      const card: Omit<ModelCard, 'version' | 'artifactSha256' | 'format'> = {
        name: m.id,
        createdAt: o.now ?? Date.now(),
        horizons: [horizon],
        features: chosenInputs ?? inputs,
        dataRange: { from: h.openTime[0]!, to: lastClose },
        params: {
          plugin: m.plugin.name,
          options: m.options,
          validationSplit: new Date(splitTime).toISOString(),
          trainRows: o.trainRows ?? 'all',
          ...(chosenInputs ? { featureSelection: { candidates: inputs.length, chosen: chosenInputs.length } } : {}),
        },
        validation: { [horizon]: validation },
        codeVersion: '0.1.0',
      };
      const line = { asset: config.asset, horizon, name: m.id };
      const parent = o.registry ? await o.registry.resolveVersion(line, 'champion') : undefined;
      const stage = !o.registry || !parent || o.promote ? 'champion' : 'challenger';
      const saved = await saveArtifact(store, o.artifactsDir, m.id, horizon, blob, card, stage);
      let registered: TrainedModel['registered'];
      if (o.registry) {
        const v = await o.registry.register({
          ...line, artifact: blob, actor: 'train', reason: 'satcast train',
          card: { createdAt: card.createdAt, features: card.features, dataRange: card.dataRange, params: card.params, validation: card.validation, codeVersion: card.codeVersion },
          ...(parent ? { parent } : {}), ...(stage === 'challenger' ? { alias: 'challenger' as const } : {}),
        });
        if (stage === 'champion') await o.registry.promote(v.version, { actor: 'train', reason: parent ? 'satcast train --promote' : 'first version of the line' });
        registered = { version: v.version, stage, ...(parent ? { parent } : {}) };
      }
      out.push({ ...saved, modelId: m.id, horizon, seconds: (performance.now() - t0) / 1000, ...(registered ? { registered } : {}) });
      o.onProgress?.(++done, chosen.length * horizons.length, `${m.id} ${horizon}`);
    }
  }
  return out;
}

/** The earlier rows a sequence model reads before `first` (none for row-wise models). */
function seqContext(h: History, inputs: readonly string[], first: number, length: number | undefined) {
  const context = sequenceContext(h.cols, (i) => h.openTime[i]! + h.barMs, inputs, first, length);
  return context ? { context } : {};
}
