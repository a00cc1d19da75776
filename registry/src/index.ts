/**
 * @module @satcast/registry
 * Model registry for Satcast: immutable, content-addressed model versions with model cards and lineage;
 * champion / challenger / shadow aliases moved atomically with every decision logged; traffic policies
 * (shadow, sticky canary, A/B); promotion gates (Diebold-Mariano with HAC variance) and automatic
 * rollback; retraining triggers and a scheduler. Node-only (filesystem, libSQL). The S3 artifact store is
 * the separate entry `@satcast/registry/s3`.
 */
export * from './types.js';
export * from './errors.js';
export { sha256Bytes, artifactKey } from './hash.js';
export type { ArtifactRef, ArtifactStore } from './artifact-store.js';
export { createFsArtifactStore, type FsArtifactStoreOptions } from './artifacts-fs.js';
export type { RegistryStore, LineState, LineChange, VersionFilter, DecisionFilter } from './store.js';
export { createLibsqlRegistryStore, type LibsqlRegistryStoreOptions } from './libsql-store.js';
export { migrate, MIGRATIONS_FOLDER, MIGRATIONS_TABLE, type RegistryConnection } from './libsql-client.js';
export * as schema from './schema.js';
export { ModelRegistry, type ModelRegistryOptions, type RegisterInput, type DecisionOptions, type LoadedModel } from './registry.js';
export * from './traffic.js';
export * from './stats.js';
export * from './gates.js';
export * from './triggers.js';
export * from './scheduler.js';
export { runModelsCommand, type ModelsArgs, type ModelsCommandContext } from './cli.js';
export { GateController, validationBaseline, type GateControllerOptions } from './controller.js';
