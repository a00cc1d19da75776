/**
 * The gates run against the registry: judge a line's challenger (promote, or log why not) and watch the
 * live champion (roll back past the margin). Same logic as `GateController` in registry/src/controller.ts,
 * which the package does not export yet (index.ts lacks `export * from './controller.js'`); replace this
 * file with the import once it does.
 */
import type { Outcome } from '@satcast/core';
import {
  COVERAGE_TARGET, evaluatePromotion, evaluateRollback, metricValue,
  type Decision, type GateMetric, type GateVerdict, type LineKey, type ModelRegistry, type PromotionGateConfig, type RegistryCard, type RollbackConfig, type RollbackVerdict,
} from '@satcast/registry';

export interface GateControllerOptions {
  registry: ModelRegistry;
  /** Scored outcomes of one version (served or shadow), any order. */
  outcomes: (version: string) => Promise<Outcome[]>;
  promotion?: PromotionGateConfig;
  rollback?: RollbackConfig;
  actor?: string;
}

/** The card's validation score for a metric (`pinball`, `mae`, `coverageError` or `coverage90`). */
export function validationBaseline(card: RegistryCard, horizon: string, metric: GateMetric): number | undefined {
  const v = card.validation[horizon];
  if (!v) return undefined;
  if (metric === 'coverage') return v.coverageError ?? (v.coverage90 !== undefined ? Math.abs(v.coverage90 - COVERAGE_TARGET) : undefined);
  return v[metric];
}

export class GateController {
  constructor(private readonly o: GateControllerOptions) {}

  /** Judge the challenger; without a champion it is installed as the first one (logged as such). */
  async evaluateChallenger(line: LineKey): Promise<{ verdict: GateVerdict; decision: Decision } | undefined> {
    const { registry } = this.o;
    const actor = this.o.actor ?? 'gate';
    const challenger = await registry.resolveVersion(line, 'challenger');
    if (!challenger) return undefined;
    const champion = await registry.resolveVersion(line, 'champion');
    if (!champion) {
      const verdict: GateVerdict = { promote: true, reason: 'no champion yet: first version promoted without comparison', numbers: {} };
      return { verdict, decision: await registry.promote(challenger, { reason: verdict.reason, actor }) };
    }
    const verdict = evaluatePromotion(await this.o.outcomes(champion), await this.o.outcomes(challenger), this.o.promotion);
    const decision = verdict.promote
      ? await registry.promote(challenger, { reason: verdict.reason, numbers: verdict.numbers, actor })
      : await registry.log(line, { action: 'gate', fromVersion: champion, toVersion: challenger, reason: `kept champion: ${verdict.reason}`, numbers: verdict.numbers, actor });
    return { verdict, decision };
  }

  /** The champion's live metric over its own tenure against its validation baseline and the previous champion. */
  async checkChampion(line: LineKey): Promise<{ verdict: RollbackVerdict; decision?: Decision } | undefined> {
    const { registry } = this.o;
    const champion = await registry.resolveVersion(line, 'champion');
    if (!champion) return undefined;
    const metric = this.o.rollback?.metric ?? 'pinball';
    const info = await registry.info(champion);
    const since = (await registry.decisions({ ...line, action: 'promote' })).concat(await registry.decisions({ ...line, action: 'rollback' }))
      .filter((d) => d.toVersion === champion)
      .reduce((t, d) => Math.max(t, d.at), Number.NEGATIVE_INFINITY);
    const live = (await this.o.outcomes(champion)).filter((o) => o.issuedAt >= since);
    const previous = await registry.previousChampion(line, champion);
    const prevOutcomes = previous ? await this.o.outcomes(previous) : [];
    const window = this.o.rollback?.window ?? 500;
    const prevScore = prevOutcomes.length >= (this.o.rollback?.minSamples ?? 100) ? metricValue(metric, [...prevOutcomes].sort((a, b) => a.issuedAt - b.issuedAt).slice(-window)) : undefined;
    const verdict = evaluateRollback(live, { validation: validationBaseline(info.card, line.horizon, metric), previousChampion: prevScore }, this.o.rollback);
    if (!verdict.rollback || !previous) return { verdict };
    const decision = await registry.rollback(line, `automatic: ${verdict.reason}`, { numbers: verdict.numbers, actor: this.o.actor ?? 'monitor' });
    return { verdict, decision };
  }
}
