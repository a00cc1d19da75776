/**
 * @module @satcast/core/testing
 * Contract suites every plugin and adapter runs (built-in and third-party alike), in the manner of
 * unstorage's shared driver tests. Each suite takes the implementation plus `additionalTests` and a
 * `skip` map of test name -> reason.
 */
export * from './data-source.js';
export * from './feature-set.js';
export * from './model.js';
export * from './notifier.js';
export * from './store.js';
export * from './cache.js';
export * from './bus.js';
export * from './fixtures.js';
export * from './lookahead.js';
