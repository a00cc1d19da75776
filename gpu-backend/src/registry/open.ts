/**
 * Opening the model registry next to the store, and the two adapters the backend needs from it: a
 * ChampionSource for the pipeline and the scored outcomes of one version for the gates.
 *
 * Naming: a version is `huber@BTCUSDT-1h-v3`; the pipeline tags a served prediction `${modelId}@${slot.version}`,
 * so the source hands it the part after `@` and served predictions carry the registry version verbatim.
 * Shadow (challenger) predictions are stored under the model name `huber.shadow` so they never mix with
 * the served model's rows in `latestPredictions` / live scores; `versionOutcomes` maps them back.
 */
import { dirname, join, resolve } from 'node:path';
import type { Horizon, Logger, Outcome, Store } from '@satcast/core';
import { ModelRegistry, createFsArtifactStore, createLibsqlRegistryStore, parseVersion } from '@satcast/registry';
import type { ChampionSource } from '../pipeline/runtime.js';
import { loadChampion } from '../train/artifacts.js';

export const SHADOW_SUFFIX = '.shadow';

/** `huber@BTCUSDT-1h-v4` → `huber.shadow@BTCUSDT-1h-v4` (the modelVersion of its unserved predictions). */
export const shadowTag = (version: string) => version.replace('@', `${SHADOW_SUFFIX}@`);

/** Registry artifacts live beside a file database (`file:.satcast/satcast.db` → `.satcast/registry-artifacts`). */
export function defaultArtifactsDir(storeUrl: string): string {
  return storeUrl.startsWith('file:') ? join(dirname(resolve(storeUrl.slice('file:'.length))), 'registry-artifacts') : resolve('.satcast/registry-artifacts');
}

export interface OpenRegistryOptions {
  /** libSQL URL of the store; the registry's tables share its database file (own migration journal). */
  url: string;
  artifactsDir?: string;
  actor?: string;
  now?: () => number;
}

export interface OpenedRegistry {
  registry: ModelRegistry;
  close(): Promise<void>;
}

export async function openRegistry(o: OpenRegistryOptions): Promise<OpenedRegistry> {
  const store = await createLibsqlRegistryStore({ url: o.url });
  const registry = new ModelRegistry({ store, artifacts: createFsArtifactStore({ dir: o.artifactsDir ?? defaultArtifactsDir(o.url) }), ...(o.actor ? { actor: o.actor } : {}), ...(o.now ? { now: o.now } : {}) });
  return { registry, close: () => store.close() };
}

/**
 * The pipeline's ChampionSource: the registry's `champion` of (asset, horizon, model), bytes verified;
 * without one, the newest artifact `satcast train` recorded in the store before the registry existed.
 */
export function registryChampionSource(registry: ModelRegistry, store: Store, asset: string, log?: Logger): ChampionSource {
  return async (modelId: string, horizon: Horizon) => {
    const m = await registry.resolve({ asset, horizon, name: modelId }, 'champion');
    if (m) return { version: m.version.slice(m.version.indexOf('@') + 1), blob: m.serialized };
    const legacy = await loadChampion(store, modelId, horizon);
    if (legacy) log?.info(`${modelId} ${horizon}: no registry champion, serving legacy artifact ${legacy.card.version}`);
    return legacy && { version: legacy.card.version, blob: legacy.blob };
  };
}

/**
 * Scored outcomes of one registry version: its served predictions plus its shadow predictions (as
 * challenger), newest `lookbackMs` of issue time only, so a gate check stays cheap on a long-running store.
 */
export function versionOutcomes(store: Store, asset: string, opts: { lookbackMs?: number; now?: () => number } = {}): (version: string) => Promise<Outcome[]> {
  return async (version: string) => {
    const p = parseVersion(version);
    if (!p) return [];
    const from = opts.lookbackMs !== undefined ? (opts.now ?? Date.now)() - opts.lookbackMs : undefined;
    const q = { asset, horizon: p.horizon, ...(from !== undefined ? { from } : {}) };
    const [live, shadow] = await Promise.all([store.listOutcomes({ ...q, model: p.name }), store.listOutcomes({ ...q, model: p.name + SHADOW_SUFFIX })]);
    const tag = shadowTag(version);
    return [...live.filter((o) => o.modelVersion === version), ...shadow.filter((o) => o.modelVersion === tag).map((o) => ({ ...o, modelVersion: version }))];
  };
}
