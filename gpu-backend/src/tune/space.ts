/**
 * Search spaces of `satcast tune`, per model plugin. Ranges follow the plugins' option schemas
 * (plugins/gbdt/src/options.ts, plugins/linear/src/options.ts) and usual practice: penalties and
 * learning rates on a log scale, tree sizes as ints, sampling fractions linear. Every other option keeps
 * the configured (or default) value.
 */
import { ConfigError } from '@satcast/core';
import type { SearchSpace } from '@satcast/plugin-automl';

const SPACES: Record<string, SearchSpace> = {
  gbdt: {
    learningRate: { type: 'float', low: 0.005, high: 0.3, log: true },
    maxDepth: { type: 'int', low: 2, high: 8 },
    maxLeaves: { type: 'categorical', choices: [0, 8, 16, 31, 63] },
    minChildWeight: { type: 'float', low: 10, high: 2000, log: true },
    lambda: { type: 'float', low: 0.01, high: 100, log: true },
    subsample: { type: 'float', low: 0.4, high: 1 },
    colsampleByTree: { type: 'float', low: 0.3, high: 1 },
    objective: { type: 'categorical', choices: ['median', 'l2'] },
  },
  forest: {
    nTrees: { type: 'int', low: 50, high: 300, step: 50 },
    maxDepth: { type: 'int', low: 3, high: 14 },
    minChildWeight: { type: 'float', low: 10, high: 2000, log: true },
    colsampleByNode: { type: 'float', low: 0.1, high: 1 },
    sampleFraction: { type: 'float', low: 0.2, high: 1 },
    lambda: { type: 'float', low: 0, high: 10 },
  },
  ridge: {
    alpha: { type: 'float', low: 1e-3, high: 1e5, log: true },
    clip: { type: 'float', low: 2, high: 10 },
  },
  huber: {
    alpha: { type: 'float', low: 1e-3, high: 1e5, log: true },
    clip: { type: 'float', low: 2, high: 10 },
    delta: { type: 'float', low: 0.5, high: 5, log: true },
  },
};

/** Plugins `satcast tune` knows a space for. */
export const TUNABLE = Object.keys(SPACES);

/** The search space of a model plugin, or a ConfigError naming the ones that have one. */
export function tuneSpace(plugin: string): SearchSpace {
  const s = SPACES[plugin];
  if (!s) throw new ConfigError(`--model: no search space for model plugin "${plugin}" (tunable: ${TUNABLE.join(', ')})`, { field: '--model' });
  return s;
}
