/** Helpers shared by this package's tests (not exported). */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOUR, seededRandom, type Horizon, type Outcome } from '@satcast/core';
import { createFsArtifactStore } from './artifacts-fs.js';
import { createLibsqlRegistryStore } from './libsql-store.js';
import { ModelRegistry } from './registry.js';
import type { CardInput } from './types.js';

export const LINE = { asset: 'BTCUSDT', horizon: '24h' as Horizon, name: 'gbdt' };
export const T0 = Date.UTC(2025, 0, 1);

export async function tempDir(prefix = 'satcast-registry-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** A registry on `:memory:` (or `url`) with filesystem artifacts in a temp dir and a settable clock. */
export async function makeRegistry(opts: { url?: string; dir?: string } = {}) {
  const dir = opts.dir ?? (await tempDir());
  const store = await createLibsqlRegistryStore({ url: opts.url ?? ':memory:' });
  const artifacts = createFsArtifactStore({ dir });
  const clock = { t: T0 };
  const registry = new ModelRegistry({ store, artifacts, now: () => clock.t });
  return { registry, store, artifacts, dir, clock };
}

export function card(overrides: Partial<CardInput> = {}): CardInput {
  return {
    features: ['ret_1h', 'rv_24h'],
    dataRange: { from: T0 - 365 * 24 * HOUR, to: T0 },
    params: { trees: 200 },
    training: { '24h': { pinball: 700 } },
    validation: { '24h': { pinball: 800, mae: 1500 } },
    codeVersion: 'abc1234',
    ...overrides,
  };
}

export const bytesOf = (s: string) => new TextEncoder().encode(s);
export const artifact = (s: string) => ({ format: 'json' as const, bytes: bytesOf(s) });

/** Deterministic PRNG (core's mulberry32) so synthetic series are the same on every run. */
export const rng = seededRandom;

/** Standard normal draws (Box-Muller). */
export function normals(seed: number, n: number): number[] {
  const u = rng(seed);
  const out: number[] = [];
  while (out.length < n) {
    const r = Math.sqrt(-2 * Math.log(1 - u()));
    const th = 2 * Math.PI * u();
    out.push(r * Math.cos(th), r * Math.sin(th));
  }
  return out.slice(0, n);
}

/** Outcomes of one model: hourly 1h forecasts with the given per-forecast pinball loss / abs error / coverage. */
export function outcomes(version: string, losses: readonly number[], opts: { covered?: (i: number) => boolean; horizon?: Horizon; start?: number } = {}): Outcome[] {
  return losses.map((l, i) => ({
    asset: 'BTCUSDT', horizon: opts.horizon ?? '1h', issuedAt: (opts.start ?? T0) + i * HOUR, modelVersion: version, targetTime: (opts.start ?? T0) + (i + 1) * HOUR,
    realized: 100_000, absError: l * 2, persistenceAbsError: 1000, covered90: opts.covered ? opts.covered(i) : true, upActual: true, pinball: l, scoredAt: (opts.start ?? T0) + (i + 1) * HOUR,
  }));
}
