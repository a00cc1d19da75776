/**
 * @module @satcast/core
 * Schemas, plugin contracts and helpers shared by every Satcast package. Imports zod only, so it runs in
 * Node, in workerd (Cloudflare Workers) and in browsers.
 */
export * from './errors.js';
export * from './time.js';
export * from './scoring.js';
export * from './stats.js';
export * from './targets.js';
export * from './pit.js';
export * from './publication.js';
export * from './features/rolling.js';
export * from './features/kernel.js';
export * from './features/series.js';
export * from './audit.js';
export * from './crypto.js';
export * from './ratelimit.js';
export * from './config.js';
export * from './schemas/candle.js';
export * from './schemas/observation.js';
export * from './schemas/feature.js';
export * from './schemas/prediction.js';
export * from './schemas/alert.js';
export * from './schemas/model-card.js';
export * from './schemas/access.js';
export * from './plugins/context.js';
export * from './plugins/common.js';
export * from './plugins/data-source.js';
export * from './plugins/feature-set.js';
export * from './plugins/model.js';
export * from './plugins/notifier.js';
export * from './plugins/registry.js';
export * from './plugins/host.js';
export type * from './interfaces/store.js';
export type * from './interfaces/cache.js';
export * from './interfaces/bus.js';
export * from './eval/stats.js';
export * from './eval/calibration.js';
export * from './validate.js';
export * from './upcast.js';
