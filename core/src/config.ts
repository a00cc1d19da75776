/**
 * The Satcast configuration: which plugins run and with which options. Validated in two passes: the
 * shape (this schema), then each plugin's own `optionsSchema`. Every error names the field path, what
 * was expected and what was found, e.g. `sources[0].options.speed: expected number, received string`.
 */
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { HorizonSchema, IntervalSchema } from './time.js';
import type { AnyPlugin, PluginKind } from './plugins/common.js';
import type { PluginRegistry } from './plugins/registry.js';

const PluginRefSchema = z.strictObject({
  plugin: z.string().min(1),
  /** Instance id when the same plugin runs twice; defaults to the plugin name. */
  id: z.string().regex(/^[a-z][a-z0-9-]*$/).optional(),
  enabled: z.boolean().default(true),
  options: z.record(z.string(), z.unknown()).default({}),
});
export type PluginRef = z.infer<typeof PluginRefSchema>;

/** Per-rule consecutive-evaluation counts; unset fields keep the rules engine's defaults. */
const EvaluationCountsSchema = z.strictObject({
  accuracy: z.number().int().min(1).max(1000).optional(),
  anomaly: z.number().int().min(1).max(1000).optional(),
  system: z.number().int().min(1).max(1000).optional(),
  confidence: z.number().int().min(1).max(1000).optional(),
});

/**
 * Operator alerting. Thresholds are optional so the rules engine (`@satcast/plugin-alerting`
 * `DEFAULT_THRESHOLDS`) stays the single source of the defaults; each fire/clear pair must keep its
 * hysteresis direction, checked below.
 */
const AlertingConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    thresholds: z
      .strictObject({
        coverageFire: z.number().min(0).max(1).optional(),
        coverageClear: z.number().min(0).max(1).optional(),
        coverageMinScored: z.number().int().min(1).optional(),
        zFire: z.number().positive().optional(),
        zClear: z.number().positive().optional(),
        confidenceFire: z.number().min(0).max(1).optional(),
        confidenceClear: z.number().min(0).max(1).optional(),
        forEvaluations: EvaluationCountsSchema.optional(),
        clearEvaluations: EvaluationCountsSchema.optional(),
      })
      .refine((t) => t.coverageFire === undefined || t.coverageClear === undefined || t.coverageClear >= t.coverageFire, { path: ['coverageClear'], message: 'must be >= coverageFire (hysteresis)' })
      .refine((t) => t.zFire === undefined || t.zClear === undefined || t.zClear <= t.zFire, { path: ['zClear'], message: 'must be <= zFire (hysteresis)' })
      .refine((t) => t.confidenceFire === undefined || t.confidenceClear === undefined || t.confidenceClear >= t.confidenceFire, { path: ['confidenceClear'], message: 'must be >= confidenceFire (hysteresis)' })
      .prefault({}),
    /** Channel names per operator rule id, replacing the rule's default channels (e.g. `{"data-anomaly": ["webhook"]}`). */
    routes: z.record(z.string().min(1), z.array(z.string().min(1))).default({}),
    /** Trailing bars the newest bar's return (and feature values) are z-scored against. */
    anomalyWindowBars: z.number().int().min(10).max(10_000).default(168),
    /** Features z-scored for the data-anomaly rule; default: the served model's inputs. */
    anomalyFeatures: z.array(z.string().min(1)).optional(),
    /** How late a source may be: stale when its newest event is older than interval + publication lag + this (a candle's lag is its interval: it is published at its close). */
    freshnessGraceMs: z.number().int().min(0).default(3_600_000),
    /** Per source id, the age of its newest event after which it counts as stale (replaces interval + lag + grace; e.g. monthly macro series). */
    staleAfterMs: z.record(z.string().min(1), z.number().int().positive()).default({}),
    /** Wall-clock period of the component check between predictions (a stalled feed produces no predictions); 0 disables it. */
    checkEveryMs: z.number().int().min(0).default(60_000),
    /** Drift (KS / PSI per feature): recent window vs the training window before it, recomputed at most this often. */
    drift: z
      .strictObject({
        recentBars: z.number().int().min(20).default(168),
        referenceBars: z.number().int().min(20).default(2000),
        everyMs: z.number().int().min(0).default(3_600_000),
      })
      .prefault({}),
    /** HMAC secret of users' webhook channels comes from this environment variable (a default is derived per process when unset). */
    userWebhookSecretEnv: z.string().regex(/^SATCAST_[A-Z0-9_]+$/).default('SATCAST_USER_WEBHOOK_SECRET'),
  })
  .prefault({});
export type AlertingConfig = z.output<typeof AlertingConfigSchema>;

/**
 * A combination of model forecasts (stacking meta-model, hourly performance weighting, or an equal-weight
 * mean), computed by the host from its members' out-of-sample forecasts and served like a model.
 */
export const EnsembleConfigSchema = z.strictObject({
  /** Id used in predictions (`metadata.model`), reports and `servedModel`. */
  id: z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, 'lower-case letters, digits, "_" or "-", starting with a letter'),
  /** `stack`: meta-model refitted on out-of-fold forecasts; `dynamic`: weights from recent pinball loss, re-weighted hourly; `equal`: the plain mean. */
  method: z.enum(['stack', 'dynamic', 'equal']),
  /** Enabled model ids combined (at least two). */
  members: z.array(z.string().min(1)).min(2),
  /** Shock handling: above `threshold` of the anomaly `feature`, lean on the `robust` member and widen the band. */
  shock: z
    .strictObject({
      feature: z.string().min(1).default('iforest_score'),
      robust: z.string().min(1).optional(),
      threshold: z.number().gt(0).lt(1).default(0.6),
    })
    .optional(),
  /** Options of the combiner (see @satcast/plugin-ensemble). */
  options: z.record(z.string(), z.unknown()).default({}),
  enabled: z.boolean().default(true),
});
export type EnsembleConfig = z.output<typeof EnsembleConfigSchema>;

export const SatcastConfigSchema = z.strictObject({
  /** Trading pair forecast, exchange notation. */
  asset: z.string().regex(/^[A-Z0-9]{2,20}$/).default('BTCUSDT'),
  interval: IntervalSchema.default('1h'),
  horizons: z.array(HorizonSchema).min(1).default(['1h', '4h', '24h']),
  store: z
    .strictObject({
      adapter: z.enum(['libsql']).default('libsql'),
      /** libsql URL: `file:path.db`, `:memory:`, or a remote libsql URL. */
      url: z.string().min(1).default('file:.satcast/satcast.db'),
    })
    .prefault({}),
  cache: z
    .strictObject({
      adapter: z.enum(['memory', 'redis']).default('memory'),
      /** For `redis`: several backend instances then share the latest predictions. */
      url: z.string().min(1).default('redis://127.0.0.1:6379'),
    })
    .prefault({}),
  bus: z
    .strictObject({ adapter: z.enum(['memory']).default('memory') })
    .prefault({}),
  sources: z.array(PluginRefSchema).min(1),
  features: z.array(PluginRefSchema).min(1),
  models: z.array(PluginRefSchema).min(1),
  /** Combinations of the models' forecasts, each reported and servable like a model. */
  ensembles: z.array(EnsembleConfigSchema).default([]),
  /** Id of the model or ensemble whose predictions are served. */
  servedModel: z.string().min(1),
  /** Below this confidence a prediction is flagged `conservative` and its point shrunk toward the last price. */
  confidenceThreshold: z.number().min(0.5).max(1).default(0.85),
  /** Push each new served prediction set to an edge gateway (signed; secret in SATCAST_EDGE_SYNC_SECRET). */
  edge: z
    .strictObject({
      url: z.url({ protocol: /^https?$/ }),
      keyId: z.string().min(1).default('k1'),
      timeoutMs: z.number().int().positive().max(60_000).default(5000),
      /** Also push the served model's trained ONNX artifact per horizon at start (the edge's optional on-demand inference). */
      pushModels: z.boolean().default(false),
    })
    .optional(),
  /** Caller authentication: bearer JWTs (secret in SATCAST_JWT_SECRET, or a JWKS URL). */
  auth: z
    .strictObject({
      issuer: z.string().min(1).default('https://auth.satcast.local'),
      audience: z.string().min(1).default('satcast-api'),
      jwksUrl: z.url().optional(),
      /** Unauthenticated reads of predictions, rate-limited per client address (the embedded default). */
      allowAnonymous: z.boolean().default(true),
    })
    .prefault({}),
  /** Per API key / user (or client address when anonymous) request limit. */
  rateLimit: z
    .strictObject({
      limit: z.number().int().positive().default(1000),
      windowMs: z.number().int().positive().default(3_600_000),
      store: z.enum(['memory', 'redis']).default('memory'),
      redisUrl: z.string().min(1).default('redis://127.0.0.1:6379'),
    })
    .prefault({}),
  server: z
    .strictObject({
      port: z.number().int().min(0).max(65535).default(8787),
      host: z.string().min(1).default('127.0.0.1'),
    })
    .prefault({}),
  /**
   * Alert channels (notifier plugins: slack, email, sms, pagerduty, webhook, ...). The instance id is the
   * channel name operator rules route to (`slack`, `pagerduty`, ...); the `dashboard` channel is built in.
   */
  notifiers: z.array(PluginRefSchema).default([]),
  /** Operator alerting: thresholds (unset = the rules engine's defaults), routing and monitor windows. */
  alerting: AlertingConfigSchema.prefault({}),
});
export type SatcastConfigInput = z.input<typeof SatcastConfigSchema>;
export type SatcastConfig = z.output<typeof SatcastConfigSchema>;

/** Identity helper that types a `satcast.config.ts`. */
export function defineConfig(config: SatcastConfigInput): SatcastConfigInput {
  return config;
}

export interface ResolvedPlugin<P extends AnyPlugin = AnyPlugin> {
  id: string;
  plugin: P;
  options: unknown;
}

export interface ResolvedConfig extends SatcastConfig {
  resolved: {
    sources: ResolvedPlugin<Extract<AnyPlugin, { kind: 'source' }>>[];
    features: ResolvedPlugin<Extract<AnyPlugin, { kind: 'features' }>>[];
    models: ResolvedPlugin<Extract<AnyPlugin, { kind: 'model' }>>[];
    notifiers: ResolvedPlugin<Extract<AnyPlugin, { kind: 'notifier' }>>[];
  };
}

/** `['sources', 0, 'options', 'speed']` -> `sources[0].options.speed` */
export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
    .join('') || '(root)';
}

/** Render zod issues as `path: message` lines. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): string[] {
  return issues.map((i) => {
    const path = formatPath([...prefix, ...i.path]);
    const msg = i.code === 'unrecognized_keys' ? `unknown field(s) ${i.keys.map((k) => `"${k}"`).join(', ')}` : i.message;
    return `${path}: ${msg}`;
  });
}

/**
 * Validate a raw config object (parsed JSON or a `satcast.config.ts` default export) against the schema
 * and the registry. Throws one `ConfigError` listing every problem found.
 */
export function resolveConfig(raw: unknown, registry: PluginRegistry, origin = 'config'): ResolvedConfig {
  const parsed = SatcastConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = formatIssues(parsed.error.issues);
    throw new ConfigError(`${origin} is invalid:\n  ${lines.join('\n  ')}`, { field: lines[0]?.split(':')[0] });
  }
  const cfg = parsed.data;
  const problems: string[] = [];
  const sections = [
    ['sources', 'source'],
    ['features', 'features'],
    ['models', 'model'],
    ['notifiers', 'notifier'],
  ] as const satisfies readonly (readonly [keyof ResolvedConfig['resolved'], PluginKind])[];
  const resolved: ResolvedConfig['resolved'] = { sources: [], features: [], models: [], notifiers: [] };

  for (const [section, kind] of sections) {
    const seen = new Set<string>();
    cfg[section].forEach((ref, index) => {
      const where = `${section}[${index}]`;
      if (!ref.enabled) return;
      if (!registry.has(kind, ref.plugin)) {
        const known = registry.list(kind).map((p) => p.name).sort();
        problems.push(`${where}.plugin: unknown ${kind} plugin "${ref.plugin}" (known: ${known.join(', ') || 'none'})`);
        return;
      }
      const plugin = registry.get(kind, ref.plugin);
      const id = ref.id ?? ref.plugin;
      if (seen.has(id)) problems.push(`${where}.id: duplicate id "${id}"; set a distinct "id"`);
      seen.add(id);
      const opts = plugin.optionsSchema.safeParse(ref.options);
      if (!opts.success) {
        problems.push(...formatIssues(opts.error.issues, [section, index, 'options']).map((l) => `${l} (plugin "${ref.plugin}")`));
        return;
      }
      (resolved[section] as ResolvedPlugin[]).push({ id, plugin, options: opts.data });
    });
  }
  const modelIds = new Set(resolved.models.map((m) => m.id));
  const ensembleIds = new Set<string>();
  cfg.ensembles.forEach((e, index) => {
    if (!e.enabled) return;
    const where = `ensembles[${index}]`;
    if (modelIds.has(e.id) || ensembleIds.has(e.id)) problems.push(`${where}.id: "${e.id}" is already a model or ensemble id`);
    ensembleIds.add(e.id);
    e.members.forEach((m, k) => {
      if (!modelIds.has(m)) problems.push(`${where}.members[${k}]: "${m}" is not an enabled model id (have: ${[...modelIds].join(', ')})`);
    });
    if (new Set(e.members).size !== e.members.length) problems.push(`${where}.members: a member is listed twice`);
    if (e.shock && e.method === 'equal') problems.push(`${where}.shock: shock handling needs method "stack" or "dynamic" (the equal mean has no weights to shift)`);
    if (e.shock?.robust !== undefined && !e.members.includes(e.shock.robust)) {
      problems.push(`${where}.shock.robust: "${e.shock.robust}" is not one of the members (${e.members.join(', ')})`);
    }
  });
  if (problems.length === 0 && !modelIds.has(cfg.servedModel) && !ensembleIds.has(cfg.servedModel)) {
    problems.push(
      `servedModel: "${cfg.servedModel}" is not an enabled model or ensemble id (have: ${[...modelIds, ...ensembleIds].join(', ')})`,
    );
  }
  if (problems.length) {
    throw new ConfigError(`${origin} is invalid:\n  ${problems.join('\n  ')}`, { field: problems[0]!.split(':')[0] });
  }
  return { ...cfg, resolved };
}
