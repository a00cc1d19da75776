/**
 * @module @satcast/plugin-shock
 * Shock and volatility plugins:
 * - `shock` (feature set): isolation-forest anomaly score of each 1h bar's return/range/volume/vol-ratio
 *   vector against a trailing window, refitted on an epoch-anchored time grid (batch = incremental).
 * - `garch` (model): GARCH(1,1) by Gaussian QMLE, multi-step variance summed over the horizon.
 * - `har` (model): HAR-RV (Corsi) on daily/weekly/monthly realised variance, OLS.
 * Both models turn their horizon volatility into a split-conformal band (quantiles of standardised
 * returns on a time-ordered calibration fold). `fitGarch` / `garchVolatility` are exported for use elsewhere
 * (e.g. as an interval-width input).
 */
export { shock, shockOptionsSchema, shockLookback, SHOCK_VECTOR, VECTOR_WARMUP, type ShockOptions } from './features.js';
export { IsolationForest, averagePathLength, type IsolationForestOptions } from './iforest.js';
export {
  fitGarch,
  garchVolatility,
  garchHorizonVariance,
  garchNegLogLik,
  garchStep,
  unconditionalVariance,
  type GarchFit,
  type GarchFitOptions,
  type GarchParams,
} from './garch.js';
export { fitHar, harForecast, harRegressors, HarWindows, type HarFitOptions, type HarParams, type HarTransform } from './har.js';
export { garch, har, garchOptionsSchema, harOptionsSchema, type GarchOptions, type HarOptions, type BandState } from './models.js';
export { createBandModel, loadBandState, type VolEngine, type VolRunner, type BandOptions } from './band.js';
export { parseOptions } from './options.js';
export { nelderMead, type NelderMeadResult } from './optim.js';
