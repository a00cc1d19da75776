/**
 * `withFeatureSelection(inner)`: a model plugin `<inner>-sfs` whose fit() first picks the inner model's
 * inputs (importance prefilter, then sequential forward selection scored by purged time-series CV of a
 * ridge on the volatility-standardised target) on ITS OWN TRAINING ROWS ONLY, then fits the inner model
 * with `inputs` set to the chosen features. Inside a walk-forward backtest each refit therefore selects
 * from the past alone. The chosen set travels in every forecast's `info.selectedFeatures` and in the
 * serialized model, so `load` restores the same inner model.
 */
import { ValidationError, createPluginContext, defineModel, type PluginContext, type Model, type ModelDefinition, type ReturnForecast, type SerializedModel, type TrainingSet } from '@satcast/core';
import { z } from 'zod';
import { ridgeSubsetScorer } from './ridge.js';
import { importancePrefilter, MAX_SELECTED, sequentialForwardSelection } from './select.js';

const wrapperOptionsSchema = z.strictObject({
  /** Extra candidate features beyond the inputs the inner options list. */
  candidates: z.array(z.string().min(1)).max(2000).default([]),
  /** Most features selected (hard cap 200). */
  maxFeatures: z.number().int().min(1).max(MAX_SELECTED).default(20),
  /** Candidates kept by the importance prefilter before SFS. */
  prefilter: z.number().int().min(1).max(2000).default(40),
  /** A feature is added only if it lowers the CV MAE of z by more than this. */
  minImprovement: z.number().min(0).default(1e-4),
  /** CV folds of the selection score. */
  folds: z.number().int().min(2).max(20).default(4),
  /** Ridge penalty of the selection score. */
  alpha: z.number().min(0).default(1),
  /** Wall-clock budget of one selection (default none: selection is deterministic then). */
  timeBudgetMs: z.number().positive().optional(),
});
export type FeatureSelectionOptions = z.input<typeof wrapperOptionsSchema>;

/** The inner plugin's options must have an `inputs` list the wrapper can replace. */
type WithInputs = { inputs: string[]; volFeature?: string; barMs?: number };

const toB64 = (b: Uint8Array): string => {
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
};
const fromB64 = (s: string): Uint8Array => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

interface Blob1 {
  v: 1;
  selected: string[];
  cvScore: number | null;
  inner: { format: 'json' | 'onnx'; b64: string };
}

/**
 * Wrap a model plugin so it selects its own inputs at fit time.
 * @example
 * import { ridge } from '@satcast/plugin-linear';
 * const ridgeSfs = withFeatureSelection(ridge, { maxFeatures: 12, prefilter: 30 });
 * // config: { plugin: 'ridge-sfs', options: { inputs: [...all candidate features] } }
 */
export function withFeatureSelection<O extends WithInputs>(inner: ModelDefinition<O>, opts: FeatureSelectionOptions = {}): ModelDefinition<O> {
  const parsed = wrapperOptionsSchema.safeParse(opts);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys[0]! : 'options');
    throw new ValidationError(`withFeatureSelection(${inner.name}): option "${field}": ${issue.message}`, { plugin: `${inner.name}-sfs`, field });
  }
  const w = parsed.data;
  const name = `${inner.name}-sfs`;
  const candidatesOf = (o: O) => [...new Set([...o.inputs, ...w.candidates])].filter((f) => f !== o.volFeature);

  const wrap = (o: O, ctx: PluginContext, fitted: Model | undefined, selected: string[], cvScore: number | null): Model & { selectedFeatures: readonly string[] } => {
    let innerModel = fitted;
    let chosen = selected;
    let score = cvScore;
    const model = {
      get selectedFeatures(): readonly string[] {
        return chosen;
      },
      async fit(train: TrainingSet): Promise<void> {
        const pool = candidatesOf(o).filter((f) => train.features[f] !== undefined);
        if (pool.length === 0) throw new ValidationError(`${name}: none of the candidate features is in the training rows`, { plugin: name, field: 'inputs' });
        const base = { volFeature: o.volFeature, barMs: o.barMs };
        const ranked = importancePrefilter(train, pool, { ...base, count: w.prefilter }).map((r) => r.name);
        let picked: string[];
        try {
          const scorer = ridgeSubsetScorer(train, ranked, { ...base, folds: w.folds, alpha: w.alpha });
          const res = await sequentialForwardSelection(ranked, scorer, { maxFeatures: Math.min(w.maxFeatures, ranked.length), minImprovement: w.minImprovement, timeBudgetMs: w.timeBudgetMs });
          picked = res.selected;
          score = Number.isFinite(res.score) ? res.score : null;
        } catch (err) {
          // Too few rows for the folds: keep the prefilter's best rather than fail the refit.
          if (!(err instanceof ValidationError) || err.field !== 'rows') throw err;
          picked = ranked.slice(0, w.maxFeatures);
          score = null;
        }
        const next = await inner.create({ ...o, inputs: picked }, ctx);
        await next.fit(train);
        innerModel = next;
        chosen = picked;
      },
      async predict(input: Parameters<Model['predict']>[0]): Promise<ReturnForecast[]> {
        if (!innerModel) throw new ValidationError(`${name}: predict() before fit()`, { plugin: name, field: 'model' });
        const out = await innerModel.predict(input);
        return out.map((f) => ({ ...f, info: { ...f.info, selectedFeatures: [...chosen] } }));
      },
      serialize(): SerializedModel {
        if (!innerModel) throw new ValidationError(`${name}: serialize() before fit()`, { plugin: name, field: 'model' });
        const s = innerModel.serialize();
        const blob: Blob1 = { v: 1, selected: chosen, cvScore: score, inner: { format: s.format, b64: toB64(s.bytes) } };
        return { format: 'json', bytes: new TextEncoder().encode(JSON.stringify(blob)) };
      },
    };
    return model;
  };

  return defineModel<O>({
    name,
    apiVersion: 1,
    description: `${inner.name} with its inputs chosen at fit time (importance prefilter + forward selection on purged time-series CV, training rows only)`,
    optionsSchema: inner.optionsSchema,
    capabilities: { ...inner.capabilities, formats: ['json'], cheapRefit: false },
    inputs: (o) => [...new Set([...inner.inputs(o), ...candidatesOf(o)])],
    create: (o, ctx) => wrap(o, ctx, undefined, [], null),
    load: async (blob, o) => {
      let parsedBlob: Blob1;
      try {
        parsedBlob = JSON.parse(new TextDecoder().decode(blob.bytes)) as Blob1;
      } catch {
        throw new ValidationError(`${name}: serialized model is not JSON`, { plugin: name, field: 'bytes' });
      }
      if (parsedBlob?.v !== 1 || !Array.isArray(parsedBlob.selected)) throw new ValidationError(`${name}: unknown serialized model version`, { plugin: name, field: 'bytes' });
      const innerModel = await inner.load({ format: parsedBlob.inner.format, bytes: fromB64(parsedBlob.inner.b64) }, { ...o, inputs: parsedBlob.selected });
      // A loaded model refitted later gets a default context (load() has none).
      return wrap(o, createPluginContext(), innerModel, parsedBlob.selected, parsedBlob.cvScore);
    },
  });
}
