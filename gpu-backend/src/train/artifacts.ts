/**
 * The local artifact store: one directory per model version, written to a temporary name and renamed
 * into place (a reader never sees half an artifact), content-addressed by SHA-256 that is checked again
 * on every load. The version row (model card + artifact location + stage) lives in the Store.
 *
 *   <root>/<model>/<horizon>/<version>/model.onnx|model.json
 *   <root>/<model>/<horizon>/<version>/card.json
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ValidationError, type Horizon, type ModelCard, type SerializedModel, type Store } from '@satcast/core';

export const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Registry name of a model trained for one horizon. */
export const versionName = (modelId: string, horizon: Horizon) => `${modelId}/${horizon}`;

export interface SavedArtifact {
  dir: string;
  file: string;
  card: ModelCard;
}

/**
 * Write an artifact + card and record the version in the store, as champion (the previous one is archived)
 * unless `stage` says otherwise (the model registry made it a challenger).
 */
export async function saveArtifact(store: Store, root: string, modelId: string, horizon: Horizon, blob: SerializedModel, card: Omit<ModelCard, 'version' | 'artifactSha256' | 'format'>, stage: 'champion' | 'challenger' = 'champion'): Promise<SavedArtifact> {
  const hash = sha256(blob.bytes);
  const stamp = new Date(card.createdAt).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const version = `${stamp}-${hash.slice(0, 10)}`;
  const full: ModelCard = { ...card, version, format: blob.format, artifactSha256: hash };
  const dir = resolve(root, modelId, horizon, version);
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const file = `model.${blob.format}`;
  writeFileSync(join(tmp, file), blob.bytes);
  writeFileSync(join(tmp, 'card.json'), `${JSON.stringify(full, null, 2)}\n`);
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  const name = versionName(modelId, horizon);
  if (stage === 'champion') {
    for (const row of await store.listModelVersions({ name })) {
      if (row.stage === 'champion') await store.setModelStage(name, row.card.version, 'archived');
    }
  }
  await store.putModelVersion({ card: { ...full, name }, artifactUri: join(dir, file), stage });
  return { dir, file: join(dir, file), card: full };
}

/** The newest champion of a model/horizon with its verified bytes, or undefined when none was trained. */
export async function loadChampion(store: Store, modelId: string, horizon: Horizon): Promise<{ card: ModelCard; blob: SerializedModel } | undefined> {
  const rows = (await store.listModelVersions({ name: versionName(modelId, horizon) })).filter((r) => r.stage === 'champion');
  const row = rows.sort((a, b) => b.card.createdAt - a.card.createdAt)[0];
  if (!row) return undefined;
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(row.artifactUri);
  } catch (err) {
    throw new ValidationError(`artifact of ${row.card.name}@${row.card.version} is missing at ${row.artifactUri}: ${(err as Error).message}`, { field: 'artifactUri' });
  }
  if (row.card.artifactSha256 && sha256(bytes) !== row.card.artifactSha256) {
    throw new ValidationError(`artifact of ${row.card.name}@${row.card.version} does not match its SHA-256 (${row.artifactUri} was modified)`, { field: 'artifactSha256' });
  }
  return { card: row.card, blob: { format: row.card.format, bytes } };
}
