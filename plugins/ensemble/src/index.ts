/**
 * @module @satcast/plugin-ensemble
 * Runtime-neutral combiners of base-model return forecasts (pure maths, no Node APIs; runs in workerd):
 * - `DynamicWeighting`: online weights from recent standardised pinball loss (softmax, floor, hourly);
 * - `Stacker` / `OnlineStacker`: simplex-weight stacking per quantile level with a conformal shift, simplex
 *   point weights and a logistic pUp, fitted on out-of-fold rows public at fit time;
 * - `ShockSwitch`: shifts weight to a robust member and widens the band (ACI on shock rows) when an
 *   anomaly score crosses a threshold;
 * - `equalWeight`: the mean ensemble, the reference every combiner is measured against.
 * Online classes follow the backend's ServingLayer protocol: `issue(row, asOf, resolvesAt, forecasts)`
 * in issue order, `resolve(now, realized)` for outcomes public by `now`.
 *
 * @example
 * import { DynamicWeighting, equalWeight } from '@satcast/plugin-ensemble';
 * const dw = new DynamicWeighting({ members: ['gbdt', 'ridge'] });
 * dw.resolve(now, (row) => realized[row]);
 * const f = dw.issue(row, now, now + 3_600_000, { gbdt: fg, ridge: fr });
 */
export { DynamicWeighting, type DynamicWeightingOptions, type DynamicWeightingState, type IssueContext, type Realized } from './dynamic.js';
export {
  Stacker,
  OnlineStacker,
  type StackerOptions,
  type StackRow,
  type StackerParams,
  type StackerState,
  type OnlineStackerOptions,
  type OnlineStackerState,
} from './stacker.js';
export { ShockSwitch, type ShockSwitchOptions, type ShockInfo, type ShockState } from './shock.js';
export { equalWeight } from './equal.js';
export { combine, sortQuantiles, bandScale, type MemberForecasts, type PUpPool } from './common.js';
export { fitSimplex, type SimplexFit, type SimplexLoss } from './simplex.js';
