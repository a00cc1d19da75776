/**
 * `satcast models list|show|promote|rollback`, as a function from parsed arguments to text, so the
 * backend's commander program (gpu-backend/src/commands/*.ts style) only parses flags and prints. A
 * manual promote runs the same promotion gate as automation when the host supplies outcomes, and
 * refuses a challenger that is not significantly better unless `force` is given (logged as forced).
 */
import { ValidationError, toIso, type Horizon, type Outcome } from '@satcast/core';
import { PLUGIN } from './errors.js';
import { evaluatePromotion, type PromotionGateConfig } from './gates.js';
import type { ModelRegistry } from './registry.js';
import type { Decision, ModelVersionWithStage, Stage } from './types.js';

export type ModelsArgs =
  | { command: 'list'; asset?: string; horizon?: Horizon; name?: string; stage?: Stage; json?: boolean }
  | { command: 'show'; version: string; json?: boolean; decisions?: number }
  | { command: 'promote'; version: string; reason?: string; force?: boolean; actor?: string; json?: boolean }
  | { command: 'rollback'; asset: string; horizon: Horizon; name: string; reason: string; actor?: string; json?: boolean };

export interface ModelsCommandContext {
  /** Scored live outcomes of a version (shadow or canary traffic), for the promotion gate. */
  outcomes?: (version: string) => Promise<Outcome[]>;
  gate?: PromotionGateConfig;
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const day = (t: number) => toIso(t).slice(0, 10);

function row(v: ModelVersionWithStage): string {
  return `${pad(v.version, 34)} ${pad(v.stage, 10)} ${pad(v.format, 4)} ${day(v.dataRange.from)}..${day(v.dataRange.to)}  ${v.artifact.sha256.slice(0, 12)}  ${v.parent ?? '-'}`;
}

function decisionLine(d: Decision): string {
  const move = d.alias ? ` ${d.alias}: ${d.fromVersion ?? '∅'} → ${d.toVersion ?? '∅'}` : d.toVersion ? ` ${d.toVersion}` : '';
  return `#${d.id} ${toIso(d.at)} ${d.action}${move} by ${d.actor}: ${d.reason}`;
}

/**
 * @example
 * console.log(await runModelsCommand({ command: 'list', name: 'gbdt' }, registry));
 */
export async function runModelsCommand(args: ModelsArgs, registry: ModelRegistry, ctx: ModelsCommandContext = {}): Promise<string> {
  switch (args.command) {
    case 'list': {
      const versions = await registry.list({ asset: args.asset, horizon: args.horizon, name: args.name, stage: args.stage });
      if (args.json) return JSON.stringify(versions, null, 2);
      if (versions.length === 0) return 'no model versions registered';
      return [`${pad('VERSION', 34)} ${pad('STAGE', 10)} FMT  DATA RANGE              SHA-256       PARENT`, ...versions.map(row)].join('\n');
    }
    case 'show': {
      const v = await registry.info(args.version);
      const log = (await registry.decisions({ asset: v.asset, horizon: v.horizon, name: v.name })).filter((d) => d.toVersion === v.version || d.fromVersion === v.version);
      const recent = log.slice(-(args.decisions ?? 10));
      if (args.json) return JSON.stringify({ ...v, decisions: recent }, null, 2);
      return [
        `${v.version}  (${v.stage}${v.aliases.length > 1 ? `; aliases ${v.aliases.join(', ')}` : ''})`,
        `  line        ${v.name} / ${v.asset} / ${v.horizon}`,
        `  artifact    ${v.format}, ${v.artifact.size} bytes, sha-256 ${v.artifact.sha256} (${registry.artifacts.kind}: ${v.artifact.key})`,
        `  data        ${toIso(v.dataRange.from)} .. ${toIso(v.dataRange.to)}`,
        `  parent      ${v.parent ?? '-'}`,
        `  code        ${v.codeVersion ?? '-'}`,
        `  created     ${toIso(v.createdAt)}${v.archivedAt !== undefined ? `, archived ${toIso(v.archivedAt)}` : ''}`,
        `  features    ${v.card.features.length ? v.card.features.join(', ') : '-'}`,
        `  params      ${JSON.stringify(v.card.params)}`,
        `  training    ${JSON.stringify(v.card.training)}`,
        `  validation  ${JSON.stringify(v.card.validation)}`,
        `  decisions:`,
        ...(recent.length ? recent.map((d) => `    ${decisionLine(d)}`) : ['    none']),
      ].join('\n');
    }
    case 'promote': {
      const v = await registry.info(args.version);
      const champion = await registry.resolveVersion(v, 'champion');
      let numbers: Record<string, unknown> = {};
      let reason = args.reason ?? 'manual promote';
      if (champion && ctx.outcomes) {
        const verdict = evaluatePromotion(await ctx.outcomes(champion), await ctx.outcomes(v.version), ctx.gate);
        numbers = verdict.numbers;
        if (!verdict.promote && !args.force) {
          await registry.log(v, { action: 'gate', actor: args.actor ?? 'cli', fromVersion: champion, toVersion: v.version, reason: `manual promote refused: ${verdict.reason}`, numbers });
          throw new ValidationError(`promote refused: ${verdict.reason} (use --force to override; the override is logged)`, { plugin: PLUGIN, field: 'version' });
        }
        reason = `${reason}${args.force && !verdict.promote ? ' (FORCED past the gate)' : ''}: ${verdict.reason}`;
      }
      const d = await registry.promote(v.version, { reason, actor: args.actor ?? 'cli', numbers: { ...numbers, forced: Boolean(args.force) } });
      return args.json ? JSON.stringify(d, null, 2) : `promoted ${v.version} to champion (was ${d.fromVersion ?? 'none'})\n${decisionLine(d)}`;
    }
    case 'rollback': {
      const d = await registry.rollback({ asset: args.asset, horizon: args.horizon, name: args.name }, args.reason, { actor: args.actor ?? 'cli' });
      return args.json ? JSON.stringify(d, null, 2) : `rolled back ${d.fromVersion} → ${d.toVersion}\n${decisionLine(d)}`;
    }
    default:
      throw new ValidationError(`unknown models command ${JSON.stringify((args as { command?: unknown }).command)}`, { plugin: PLUGIN, field: 'command' });
  }
}
