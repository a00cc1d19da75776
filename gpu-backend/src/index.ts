/**
 * @module @satcast/backend
 * The Satcast service: config loading, the live pipeline, the REST API and the runner that wires them.
 */
export { loadConfig, defaultConfig, CONFIG_FILES } from './config.js';
export { builtinRegistry, BUILTIN_PLUGINS } from './plugins.js';
export { Pipeline, TRAIN_ROWS, latestKey } from './pipeline/runtime.js';
export { featuresLatestKey, type FeatureHealth } from './pipeline/features.js';
export { featureCatalog, type FeatureEntry } from './feature-catalog.js';
export { toPrediction } from './pipeline/forecast.js';
export { ingestBatch } from './pipeline/ingest.js';
export { createApp } from './server/app.js';
export { startSatcast, type Satcast, type StartOptions } from './runner.js';
export { createEdgePublisher, type EdgePublisher, type EdgePublisherOptions } from './edge/publisher.js';
export { textFrame, toStreamMessage } from './server/stream.js';
