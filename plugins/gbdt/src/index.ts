/**
 * @module @satcast/plugin-gbdt
 * Histogram gradient-boosted trees and random forests in TypeScript (runtime-neutral), their ONNX-ML
 * export, and two model plugins: `gbdt` (default export) and `forest`.
 */
export * from './binning.js';
export * from './boost.js';
export * from './ensemble.js';
export * from './forest.js';
export * from './objectives.js';
export * from './tree.js';
export * from './onnx.js';
export * from './calibration.js';
export { DEFAULT_INPUTS, gbdtOptionsSchema, forestOptionsSchema, type GbdtOptions, type ForestOptions } from './options.js';
export { createForecaster, loadState, type FittedState, type ForecasterOptions, type Learner } from './forecaster.js';
export { gbdt, forest } from './plugins.js';
import { gbdt } from './plugins.js';
export default gbdt;
