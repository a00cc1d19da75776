/**
 * @module @satcast/plugin-automl
 * Hyperparameter search and feature selection for Satcast models, runtime-neutral (no Node APIs):
 *
 * - `Study` + `TpeSampler` + `MedianPruner`: resumable TPE search (Optuna-style) over float / int /
 *   categorical spaces; every finished trial goes to a `StudyStorage` at once, so an interrupted study
 *   continues with the same suggestions it would have made.
 * - `purgedTimeSeriesCv`, `ridgeLearner`, `ridgeSubsetScorer`: expanding-window CV with a one-horizon
 *   purge gap; a ridge on the volatility-standardised target as the default learner.
 * - `importancePrefilter` + `sequentialForwardSelection` (<= 200 features).
 * - `withFeatureSelection(model)`: a model plugin `<name>-sfs` that selects its own inputs at fit time
 *   from its training rows only.
 *
 * @example
 * import { MedianPruner, Study, TrialPruned } from '@satcast/plugin-automl';
 * const study = await Study.create({ space: { lr: { type: 'float', low: 1e-3, high: 0.3, log: true } }, seed: 1, pruner: new MedianPruner() });
 * const { best } = await study.optimize(async (trial) => {
 *   let loss = 0;
 *   for (let fold = 0; fold < 5; fold++) {
 *     loss = await evaluateFold(trial.params, fold);
 *     if (trial.report(fold, loss)) throw new TrialPruned();
 *   }
 *   return loss;
 * }, { nTrials: 100, timeBudgetMs: 600_000 });
 */
export { contains, validateSpace, sampleUniform, type CategoricalParam, type CategoricalValue, type FloatParam, type IntParam, type ParamSpec, type ParamValue, type Params, type SearchSpace } from './space.js';
export { CategoricalParzen, NumericalParzen, defaultWeights } from './parzen.js';
export { RandomSampler, TpeSampler, defaultGamma, trialRandom, type Sampler, type TpeOptions } from './tpe.js';
export { MedianPruner, NopPruner, type MedianPrunerOptions, type Pruner } from './pruner.js';
export { InMemoryStorage, Study, TrialPruned, type Objective, type OptimizeOptions, type OptimizeResult, type StudyOptions, type Trial } from './study.js';
export type { StudyStorage, TrialRecord, TrialState } from './types.js';
export { horizonBars, labelledLength, purgedFolds, purgedTimeSeriesCv, sliceRows, type CvLearner, type CvOptions, type CvResult, type Fold } from './cv.js';
export { cholesky, prepareFold, ridgeLearner, ridgeSubsetScorer, subsetLoss, type PreparedFold, type RidgeCvOptions, type SubsetScore } from './ridge.js';
export { importancePrefilter, MAX_SELECTED, sequentialForwardSelection, type PrefilterOptions, type SfsOptions, type SfsResult } from './select.js';
export { withFeatureSelection, type FeatureSelectionOptions } from './wrapper.js';
