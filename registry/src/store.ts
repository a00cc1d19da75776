/**
 * Persistence the registry needs, small enough for another backend (Postgres) to implement. Every change
 * to a line goes through `commit`, which applies all of its parts in one transaction and only if the line
 * is still at the revision the caller read (compare-and-swap): two promotes can never interleave.
 */
import type { Alias, Decision, LineKey, ModelVersion, NewDecision } from './types.js';

export interface LineState {
  /** Bumped by every commit. */
  rev: number;
  /** Sequence number the next registered version gets. */
  nextSeq: number;
  aliases: Partial<Record<Alias, string>>;
}

export interface LineChange {
  /** Insert this version; its `seq` must equal the `nextSeq` that was read. */
  insertVersion?: ModelVersion;
  /** Point an alias at a version, or clear it (`to: undefined`). */
  aliasMoves?: Array<{ alias: Alias; to: string | undefined }>;
  archive?: string[];
  unarchive?: string[];
  /** Logged in order, all with the new revision. */
  decisions: NewDecision[];
}

export interface VersionFilter {
  asset?: string;
  horizon?: string;
  name?: string;
  /** Include archived versions (default true). */
  includeArchived?: boolean;
  limit?: number;
}

export interface DecisionFilter {
  asset?: string;
  horizon?: string;
  name?: string;
  action?: Decision['action'];
  afterId?: number;
  /** Newest first when set. */
  limit?: number;
}

export interface RegistryStore {
  readLine(line: LineKey): Promise<LineState>;
  /** Apply atomically if the line is still at `expectedRev`; else throw `ConflictError` and change nothing. */
  commit(line: LineKey, expectedRev: number, change: LineChange): Promise<{ rev: number; decisions: Decision[] }>;
  /** Log a decision that moves nothing (a gate that kept the champion, a skipped retrain). */
  appendDecision(line: LineKey, d: NewDecision): Promise<Decision>;
  getVersion(version: string): Promise<ModelVersion | undefined>;
  listVersions(filter?: VersionFilter): Promise<ModelVersion[]>;
  listAliases(filter?: Partial<LineKey>): Promise<Array<LineKey & { alias: Alias; version: string }>>;
  listDecisions(filter?: DecisionFilter): Promise<Decision[]>;
  close(): Promise<void>;
}
