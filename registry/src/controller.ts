/**
 * Runs the gates against the registry: judges the challenger of a line (promote, or log why not) and
 * watches the live champion (roll back past the margin). The host supplies scored outcomes per version;
 * everything decided is written to the decision log with the numbers behind it.
 */
import type { Outcome } from '@satcast/core';
import { COVERAGE_TARGET, evaluatePromotion, evaluateRollback, metricValue, type GateMetric, type GateVerdict, type PromotionGateConfig, type RollbackConfig, type RollbackVerdict } from './gates.js';
import type { ModelRegistry } from './registry.js';
import type { Decision, LineKey, RegistryCard } from './types.js';

export interface GateControllerOptions {
  registry: ModelRegistry;
  /** Scored outcomes of one version (its live, shadow or canary forecasts), any order. */
  outcomes: (version: string) => Promise<Outcome[]>;
  promotion?: PromotionGateConfig;
  rollback?: RollbackConfig;
  actor?: string;
}

/**
 * The card's validation score for a metric. Convention for `card.validation[horizon]`: `pinball` (mean
 * pinball), `mae`, and `coverageError` or `coverage90` (coverage of the 90% band).
 */
export function validationBaseline(card: RegistryCard, horizon: string, metric: GateMetric): number | undefined {
  const v = card.validation[horizon];
  if (!v) return undefined;
  if (metric === 'coverage') return v.coverageError ?? (v.coverage90 !== undefined ? Math.abs(v.coverage90 - COVERAGE_TARGET) : undefined);
  return v[metric];
}

export class GateController {
  constructor(private readonly o: GateControllerOptions) {}

  /**
   * Judge the line's challenger. No champion yet: the challenger is promoted as the first champion (the
   * only case without evidence, logged as such). Returns undefined when there is no challenger.
   */
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

  /**
   * Check the live champion against its validation baseline and the previous champion's live score; roll
   * back past the margin. Only rollbacks are logged (a check runs every bar; "still fine" is not news).
   */
  async checkChampion(line: LineKey): Promise<{ verdict: RollbackVerdict; decision?: Decision } | undefined> {
    const { registry } = this.o;
    const champion = await registry.resolveVersion(line, 'champion');
    if (!champion) return undefined;
    const metric = this.o.rollback?.metric ?? 'pinball';
    const info = await registry.info(champion);
    // Only the champion's own tenure counts: outcomes issued before it was promoted are shadow traffic.
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
