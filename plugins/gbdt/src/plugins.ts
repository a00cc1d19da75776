/**
 * The two model plugins: `gbdt` (boosted trees with early stopping) and `forest` (bagged trees). Both
 * forecast the volatility-standardised horizon return with the shared forecaster (forecaster.ts).
 */
import { defineModel, type ModelCapabilities } from '@satcast/core';
import { trainGbdt } from './boost.js';
import { trainForest } from './forest.js';
import { createForecaster, loadState, type Learner } from './forecaster.js';
import { forestOptionsSchema, gbdtOptionsSchema, type ForestOptions, type GbdtOptions } from './options.js';

const capabilities: ModelCapabilities = { horizons: ['1h', '4h', '24h'], formats: ['json', 'onnx'], cheapRefit: false };
const inputs = (o: { inputs: string[]; volFeature: string }) => [...new Set([...o.inputs, o.volFeature])];

const gbdtLearner = (o: GbdtOptions): Learner => (input, gapRows) => {
  const r = trainGbdt(input, {
    ...o,
    objective: o.objective === 'median' ? 'quantile' : 'l2',
    alpha: 0.5,
    validationGap: gapRows,
  });
  return { ensemble: r.ensemble, info: { trees: r.ensemble.trees.length, bestIteration: r.bestIteration, validLoss: r.validLoss[r.bestIteration] ?? null } };
};

const forestLearner = (o: ForestOptions): Learner => (input) => {
  const ensemble = trainForest(input, o);
  return { ensemble, info: { trees: ensemble.trees.length } };
};

/**
 * Gradient-boosted trees on volatility-standardised returns; split-conformal quantiles; Platt pUp.
 * @example
 * { plugin: 'gbdt', options: { maxDepth: 4, learningRate: 0.05 } }
 */
export const gbdt = defineModel<GbdtOptions>({
  name: 'gbdt',
  apiVersion: 1,
  description: 'histogram gradient-boosted trees on volatility-standardised returns; conformal quantiles, Platt pUp; ONNX export',
  optionsSchema: gbdtOptionsSchema,
  capabilities,
  inputs,
  create: (o) => createForecaster('gbdt', o, gbdtLearner(o)),
  load: (blob, o) => createForecaster('gbdt', o, gbdtLearner(o), loadState('gbdt', blob)),
});

/**
 * Random forest on volatility-standardised returns; split-conformal quantiles; Platt pUp.
 * @example
 * { plugin: 'forest', options: { nTrees: 200 } }
 */
export const forest = defineModel<ForestOptions>({
  name: 'forest',
  apiVersion: 1,
  description: 'random forest on volatility-standardised returns; conformal quantiles, Platt pUp; ONNX export',
  optionsSchema: forestOptionsSchema,
  capabilities,
  inputs,
  create: (o) => createForecaster('forest', o, forestLearner(o)),
  load: (blob, o) => createForecaster('forest', o, forestLearner(o), loadState('forest', blob)),
});
