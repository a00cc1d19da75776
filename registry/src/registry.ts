/**
 * The model registry: register immutable versions, move aliases, promote and roll back. Every change to a
 * line is read → decide → one guarded commit; a commit that lost a race to another process is re-decided
 * on the new state (never blindly replayed), and changes from this process run one at a time per line.
 */
import { NotFoundError, ValidationError, type SerializedModel } from '@satcast/core';
import type { ArtifactStore } from './artifact-store.js';
import { ConflictError, PLUGIN } from './errors.js';
import type { DecisionFilter, LineChange, LineState, RegistryStore, VersionFilter } from './store.js';
import {
  ALIASES, CardInputSchema, LineKeySchema, RegistryCardSchema, formatVersion, lineId, parseVersion,
  type Alias, type CardInput, type Decision, type LineKey, type ModelVersion, type ModelVersionWithStage, type NewDecision, type Numbers, type Stage,
} from './types.js';

export interface ModelRegistryOptions {
  store: RegistryStore;
  artifacts: ArtifactStore;
  /** Clock (ms); tests pass a fake one. */
  now?: () => number;
  /** Default actor recorded in decisions (`registry`). */
  actor?: string;
  /** Attempts when another process keeps moving the line (default 20). */
  maxAttempts?: number;
}

export interface RegisterInput extends LineKey {
  artifact: SerializedModel;
  card: CardInput;
  /** Lineage: the version this one was trained from (any line, e.g. a warm start from another horizon); must exist. */
  parent?: string;
  /** Point an alias at the new version in the same transaction (e.g. `challenger` after a retrain). */
  alias?: Exclude<Alias, 'champion'>;
  reason?: string;
  actor?: string;
  numbers?: Numbers;
}

export interface DecisionOptions {
  actor?: string;
  /** The evidence behind the move (gate statistics, live scores); stored with the decision. */
  numbers?: Numbers;
}

/** A version with its verified bytes. */
export interface LoadedModel extends ModelVersionWithStage {
  serialized: SerializedModel;
}

const STAGE_ORDER: Alias[] = ['champion', 'challenger', 'shadow'];

function lineOf(v: { asset: string; horizon: LineKey['horizon']; name: string }): LineKey {
  return { asset: v.asset, horizon: v.horizon, name: v.name };
}

/**
 * @example
 * const registry = new ModelRegistry({ store: await createLibsqlRegistryStore({ url }), artifacts: createFsArtifactStore({ dir }) });
 * const v = await registry.register({ asset: 'BTCUSDT', horizon: '24h', name: 'gbdt', artifact: model.serialize(), card, alias: 'challenger' });
 * await registry.promote(v.version, { reason: 'DM test p=0.01', numbers: verdict.numbers });
 * const champion = await registry.resolve({ asset: 'BTCUSDT', horizon: '24h', name: 'gbdt' }, 'champion');
 */
export class ModelRegistry {
  readonly store: RegistryStore;
  readonly artifacts: ArtifactStore;
  private readonly now: () => number;
  private readonly actor: string;
  private readonly maxAttempts: number;
  private readonly tails = new Map<string, Promise<unknown>>();

  constructor(opts: ModelRegistryOptions) {
    this.store = opts.store;
    this.artifacts = opts.artifacts;
    this.now = opts.now ?? Date.now;
    this.actor = opts.actor ?? 'registry';
    this.maxAttempts = opts.maxAttempts ?? 20;
  }

  /** Store the bytes (content-addressed), then record the version; returns it with its stage. */
  async register(input: RegisterInput): Promise<ModelVersionWithStage> {
    const line = checkLine(input);
    const art = input.artifact;
    if (!art || !(art.bytes instanceof Uint8Array) || (art.format !== 'json' && art.format !== 'onnx')) {
      throw new ValidationError('register: "artifact" must be { format: "json" | "onnx", bytes: Uint8Array }', { plugin: PLUGIN, field: 'artifact' });
    }
    const parsed = CardInputSchema.safeParse(input.card);
    if (!parsed.success) {
      const iss = parsed.error.issues[0]!;
      throw new ValidationError(`register: card field "${iss.path.join('.')}": ${iss.message}`, { plugin: PLUGIN, field: `card.${iss.path.join('.')}` });
    }
    if (input.parent !== undefined) {
      const parent = await this.store.getVersion(input.parent);
      if (!parent) throw new NotFoundError(`register: parent version ${input.parent} does not exist`, { plugin: PLUGIN });
    }
    if (input.alias !== undefined && !ALIASES.includes(input.alias)) {
      throw new ValidationError(`register: alias must be challenger or shadow, got ${JSON.stringify(input.alias)}`, { plugin: PLUGIN, field: 'alias' });
    }
    const ref = await this.artifacts.put(art.bytes);
    const at = this.now();
    const { decisions } = await this.mutate(line, (st) => {
      const version = formatVersion(line, st.nextSeq);
      const card = RegistryCardSchema.parse({
        ...parsed.data, createdAt: parsed.data.createdAt ?? at, name: line.name, version, asset: line.asset, horizons: [line.horizon],
        format: art.format, artifactSha256: ref.sha256, ...(input.parent ? { parent: input.parent } : {}),
      });
      const mv: ModelVersion = {
        version, ...line, seq: st.nextSeq, card, format: art.format, artifact: ref, dataRange: card.dataRange, createdAt: card.createdAt,
        ...(input.parent ? { parent: input.parent } : {}), ...(card.codeVersion ? { codeVersion: card.codeVersion } : {}),
      };
      const change: LineChange = {
        insertVersion: mv,
        decisions: [{ at, action: 'register', toVersion: version, actor: input.actor ?? this.actor, reason: input.reason ?? 'registered', numbers: { sha256: ref.sha256, size: ref.size, ...input.numbers } }],
      };
      if (input.alias) {
        change.aliasMoves = [{ alias: input.alias, to: version }];
        change.decisions.push({ at, action: 'set-alias', alias: input.alias, fromVersion: st.aliases[input.alias], toVersion: version, actor: input.actor ?? this.actor, reason: input.reason ?? `new ${input.alias}`, numbers: input.numbers ?? {} });
      }
      return change;
    });
    return this.info(decisions[0]!.toVersion!);
  }

  /** Metadata and stage of a version (no bytes). */
  async info(version: string): Promise<ModelVersionWithStage> {
    const v = await this.store.getVersion(version);
    if (!v) throw new NotFoundError(`model version ${version} does not exist (see satcast models list)`, { plugin: PLUGIN });
    const aliases = await this.store.listAliases(lineOf(v));
    return withStage(v, aliases.filter((a) => a.version === v.version).map((a) => a.alias));
  }

  /** A version with its bytes, verified against the recorded sha-256 (throws `IntegrityError` if not). */
  async get(version: string): Promise<LoadedModel> {
    const v = await this.info(version);
    const bytes = await this.artifacts.get(v.artifact.sha256);
    return { ...v, serialized: { format: v.format, bytes } };
  }

  async list(filter: VersionFilter & { stage?: Stage } = {}): Promise<ModelVersionWithStage[]> {
    const [versions, aliases] = await Promise.all([this.store.listVersions(filter), this.store.listAliases(filter as Partial<LineKey>)]);
    const byVersion = new Map<string, Alias[]>();
    for (const a of aliases) byVersion.set(a.version, [...(byVersion.get(a.version) ?? []), a.alias]);
    const out = versions.map((v) => withStage(v, byVersion.get(v.version) ?? []));
    return filter.stage ? out.filter((v) => v.stage === filter.stage) : out;
  }

  /** Version an alias points at, without reading bytes. */
  async resolveVersion(line: LineKey, alias: Alias): Promise<string | undefined> {
    return (await this.store.readLine(checkLine(line))).aliases[checkAlias(alias)];
  }

  /** The version an alias points at, with verified bytes; undefined when the alias is unset. */
  async resolve(line: LineKey, alias: Alias): Promise<LoadedModel | undefined> {
    const v = await this.resolveVersion(line, alias);
    return v === undefined ? undefined : this.get(v);
  }

  /**
   * Point `alias` at `version` (one transaction, logged). `archived` archives the version instead. Moving
   * `champion` this way does not archive the old one; use `promote` for the normal path.
   */
  async setAlias(alias: Alias | 'archived', version: string, reason: string, opts: DecisionOptions = {}): Promise<Decision> {
    if (alias === 'archived') return this.archive(version, reason, opts);
    checkAlias(alias);
    const v = await this.info(version);
    const at = this.now();
    const { decisions } = await this.mutate(lineOf(v), (st) => ({
      aliasMoves: [{ alias, to: version }],
      unarchive: v.archivedAt !== undefined ? [version] : [],
      decisions: [{ at, action: 'set-alias', alias, fromVersion: st.aliases[alias], toVersion: version, actor: opts.actor ?? this.actor, reason: checkReason(reason), numbers: opts.numbers ?? {} }],
    }));
    return decisions[0]!;
  }

  async clearAlias(line: LineKey, alias: Exclude<Alias, 'champion'>, reason: string, opts: DecisionOptions = {}): Promise<Decision | undefined> {
    checkAlias(alias);
    const at = this.now();
    const { decisions } = await this.mutate(checkLine(line), (st) =>
      st.aliases[alias] === undefined
        ? { decisions: [] }
        : { aliasMoves: [{ alias, to: undefined }], decisions: [{ at, action: 'clear-alias', alias, fromVersion: st.aliases[alias], actor: opts.actor ?? this.actor, reason: checkReason(reason), numbers: opts.numbers ?? {} }] },
    );
    return decisions[0];
  }

  /** Archive a version (drops its challenger/shadow aliases). The champion cannot be archived: promote or roll back first. */
  async archive(version: string, reason: string, opts: DecisionOptions = {}): Promise<Decision> {
    const v = await this.info(version);
    const at = this.now();
    const { decisions } = await this.mutate(lineOf(v), (st) => {
      if (st.aliases.champion === version) throw new ValidationError(`cannot archive ${version}: it is the champion`, { plugin: PLUGIN, field: 'version' });
      const held = ALIASES.filter((a) => st.aliases[a] === version);
      return {
        aliasMoves: held.map((a) => ({ alias: a, to: undefined })),
        archive: [version],
        decisions: [{ at, action: 'archive', toVersion: version, actor: opts.actor ?? this.actor, reason: checkReason(reason), numbers: { ...opts.numbers, droppedAliases: held } }],
      };
    });
    return decisions[0]!;
  }

  /**
   * Make `version` the champion: the old champion is archived (its bytes stay, for rollback), and any
   * challenger/shadow alias held by `version` is cleared — all in one transaction.
   */
  async promote(version: string, opts: DecisionOptions & { reason?: string } = {}): Promise<Decision> {
    const v = await this.info(version);
    const at = this.now();
    const { decisions } = await this.mutate(lineOf(v), (st) => {
      const old = st.aliases.champion;
      if (old === version) throw new ValidationError(`${version} is already the champion`, { plugin: PLUGIN, field: 'version' });
      const cleared = (['challenger', 'shadow'] as const).filter((a) => st.aliases[a] === version);
      return {
        aliasMoves: [{ alias: 'champion', to: version }, ...cleared.map((a) => ({ alias: a, to: undefined }))],
        archive: old ? [old] : [],
        unarchive: v.archivedAt !== undefined ? [version] : [],
        decisions: [{ at, action: 'promote', alias: 'champion', fromVersion: old, toVersion: version, actor: opts.actor ?? this.actor, reason: checkReason(opts.reason ?? 'promoted'), numbers: { ...opts.numbers, clearedAliases: cleared } }],
      };
    });
    return decisions[0]!;
  }

  /**
   * Restore the champion the current one replaced (found in the decision log, so repeated rollbacks walk
   * back through history). The restored version's artifact is the exact stored bytes; the rolled-back
   * version is archived.
   */
  async rollback(line: LineKey, reason: string, opts: DecisionOptions = {}): Promise<Decision> {
    const key = checkLine(line);
    const at = this.now();
    const { decisions } = await this.mutate(key, async (st) => {
      const current = st.aliases.champion;
      if (current === undefined) throw new NotFoundError(`rollback: ${lineId(key)} has no champion`, { plugin: PLUGIN });
      const previous = await this.previousChampion(key, current);
      if (previous === undefined) throw new NotFoundError(`rollback: ${current} has no previous champion to restore`, { plugin: PLUGIN });
      const prev = await this.store.getVersion(previous);
      return {
        aliasMoves: [{ alias: 'champion', to: previous }, ...(['challenger', 'shadow'] as const).filter((a) => st.aliases[a] === previous).map((a) => ({ alias: a, to: undefined }))],
        archive: [current],
        unarchive: prev?.archivedAt !== undefined ? [previous] : [],
        decisions: [{ at, action: 'rollback', alias: 'champion', fromVersion: current, toVersion: previous, actor: opts.actor ?? this.actor, reason: checkReason(reason), numbers: { ...opts.numbers, restoredSha256: prev?.artifact.sha256 } }],
      };
    });
    return decisions[0]!;
  }

  /** The champion that `current` replaced: the newest promote (or manual champion move) that installed it. */
  async previousChampion(line: LineKey, current: string): Promise<string | undefined> {
    const log = await this.store.listDecisions({ ...line });
    for (let i = log.length - 1; i >= 0; i--) {
      const d = log[i]!;
      if (d.alias === 'champion' && d.toVersion === current && (d.action === 'promote' || d.action === 'set-alias')) return d.fromVersion;
    }
    return undefined;
  }

  /** Log a decision that moves nothing (gate kept the champion, retrain skipped, …). */
  async log(line: LineKey, d: Omit<NewDecision, 'at' | 'actor'> & { at?: number; actor?: string }): Promise<Decision> {
    return this.store.appendDecision(checkLine(line), { ...d, at: d.at ?? this.now(), actor: d.actor ?? this.actor, reason: checkReason(d.reason) });
  }

  decisions(filter: DecisionFilter = {}): Promise<Decision[]> {
    return this.store.listDecisions(filter);
  }

  /** Read → plan → guarded commit, retried on conflicts; serial per line within this process. */
  private mutate(line: LineKey, plan: (st: LineState) => LineChange | Promise<LineChange>) {
    const id = lineId(line);
    const run = (this.tails.get(id) ?? Promise.resolve()).then(async () => {
      for (let attempt = 1; ; attempt++) {
        const st = await this.store.readLine(line);
        const change = await plan(st);
        if (!change.decisions.length && !change.insertVersion && !change.aliasMoves?.length) return { rev: st.rev, decisions: [] as Decision[] };
        try {
          return await this.store.commit(line, st.rev, change);
        } catch (err) {
          if (!(err instanceof ConflictError) || attempt >= this.maxAttempts) throw err;
        }
      }
    });
    this.tails.set(id, run.catch(() => undefined));
    return run;
  }
}

function withStage(v: ModelVersion, aliases: Alias[]): ModelVersionWithStage {
  const sorted = STAGE_ORDER.filter((a) => aliases.includes(a));
  const stage: Stage = sorted[0] ?? (v.archivedAt !== undefined ? 'archived' : 'none');
  return { ...v, stage, aliases: sorted };
}

function checkLine(l: LineKey): LineKey {
  const r = LineKeySchema.safeParse(l);
  if (!r.success) {
    const iss = r.error.issues[0]!;
    throw new ValidationError(`line field "${iss.path.join('.')}": ${iss.message}`, { plugin: PLUGIN, field: iss.path.join('.') });
  }
  return { asset: r.data.asset, horizon: r.data.horizon, name: r.data.name };
}

function checkAlias(a: string): Alias {
  if (!ALIASES.includes(a as Alias)) throw new ValidationError(`alias must be one of ${ALIASES.join(', ')}, archived; got ${JSON.stringify(a)}`, { plugin: PLUGIN, field: 'alias' });
  return a as Alias;
}

function checkReason(r: unknown): string {
  if (typeof r !== 'string' || r.trim() === '') throw new ValidationError('a decision needs a non-empty "reason"', { plugin: PLUGIN, field: 'reason' });
  return r;
}

export { parseVersion };
