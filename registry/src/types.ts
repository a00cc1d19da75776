/**
 * The registry's vocabulary. A *line* is one (asset, horizon, model name); each line has numbered,
 * immutable versions and three single-valued aliases. `archived` is a label on a version, not an alias:
 * many versions can be archived, at most one can be champion.
 */
import { HorizonSchema, ModelCardSchema, type Horizon } from '@satcast/core';
import { z } from 'zod';

export const ALIASES = ['champion', 'challenger', 'shadow'] as const;
export type Alias = (typeof ALIASES)[number];
export type Stage = Alias | 'archived' | 'none';

export interface LineKey {
  asset: string;
  horizon: Horizon;
  name: string;
}

export const LineKeySchema = z.object({ asset: z.string().min(1).regex(/^[A-Za-z0-9._-]+$/), horizon: HorizonSchema, name: z.string().min(1).regex(/^[A-Za-z0-9._-]+$/) });

/** Scores keyed by horizon then metric (`{ '24h': { pinball: 812.3, maeSkill: 0.012, coverage90: 0.89 } }`). */
const Scores = z.record(z.string(), z.record(z.string(), z.number()));

/**
 * The registry's model card: core's `ModelCard` plus the asset and training scores (core's card has only
 * validation scores; proposed upstream). `name`, `version`, `format` and `artifactSha256` are filled in
 * by `register`, so callers cannot make the card disagree with the stored bytes.
 */
export const RegistryCardSchema = ModelCardSchema.extend({
  asset: z.string().min(1),
  training: Scores.default({}),
});
export type RegistryCard = z.infer<typeof RegistryCardSchema>;

/** What the caller of `register` supplies. */
export const CardInputSchema = RegistryCardSchema.omit({ name: true, version: true, format: true, artifactSha256: true, asset: true, parent: true, horizons: true }).extend({
  createdAt: z.number().int().nonnegative().optional(),
});
export type CardInput = z.input<typeof CardInputSchema>;

export interface ModelVersion {
  /** `<name>@<asset>-<horizon>-v<seq>`, e.g. `gbdt@BTCUSDT-24h-v3`; the part before `@` is the model name, as in predictions. */
  version: string;
  asset: string;
  horizon: Horizon;
  name: string;
  seq: number;
  card: RegistryCard;
  format: 'json' | 'onnx';
  artifact: { sha256: string; key: string; size: number };
  /** Lineage: the version this one was trained from (warm start or retrain of), if any. */
  parent?: string;
  dataRange: { from: number; to: number };
  codeVersion?: string;
  createdAt: number;
  archivedAt?: number;
}

export interface ModelVersionWithStage extends ModelVersion {
  stage: Stage;
  /** All aliases pointing at this version (a version may be champion and shadow at once only by explicit choice). */
  aliases: Alias[];
}

export type DecisionAction =
  | 'register'
  | 'set-alias'
  | 'clear-alias'
  | 'promote'
  | 'rollback'
  | 'archive'
  | 'gate'
  | 'rollback-check'
  | 'retrain';

export type Numbers = Record<string, unknown>;

export interface Decision {
  id: number;
  at: number;
  asset: string;
  horizon: Horizon;
  name: string;
  action: DecisionAction;
  alias?: Alias;
  fromVersion?: string;
  toVersion?: string;
  actor: string;
  reason: string;
  numbers: Numbers;
  /** Line revision after this decision. */
  rev: number;
}

export type NewDecision = Omit<Decision, 'id' | 'rev' | 'asset' | 'horizon' | 'name'>;

/** Parse `gbdt@BTCUSDT-24h-v3` into its line and sequence number. */
export function parseVersion(version: string): (LineKey & { seq: number }) | undefined {
  const m = /^([A-Za-z0-9._-]+)@([A-Za-z0-9._-]+)-(1h|4h|24h)-v(\d+)$/.exec(version);
  if (!m) return undefined;
  return { name: m[1]!, asset: m[2]!, horizon: m[3] as Horizon, seq: Number(m[4]) };
}

export function formatVersion(line: LineKey, seq: number): string {
  return `${line.name}@${line.asset}-${line.horizon}-v${seq}`;
}

export const lineId = (l: LineKey) => `${l.name}/${l.asset}/${l.horizon}`;
