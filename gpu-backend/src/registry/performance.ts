/**
 * The registry part of `GET /api/v1/models/performance`: per line, the champion and challenger with
 * their live scores, the promotion gate and rollback check recomputed now (pure, cheap), the traffic
 * policy, and the newest logged decisions with their numbers.
 */
import type { Outcome } from '@satcast/core';
import { coverage, evaluatePromotion, evaluateRollback, maeSkill, metricValue, type LineKey, type ModelRegistry, type PromotionGateConfig, type RollbackConfig } from '@satcast/registry';
import { validationBaseline } from '@satcast/registry';

export interface PerformanceOptions {
  registry: ModelRegistry;
  lines: LineKey[];
  outcomes: (version: string) => Promise<Outcome[]>;
  promotion?: PromotionGateConfig;
  rollback?: RollbackConfig;
  /** Learner state (retraining now, triggers paused while a challenger is judged). */
  learning?: () => unknown[];
  decisions?: number;
  /** The configured policy for a line with a challenger (default shadow). */
  traffic?: 'shadow' | 'canary';
  canaryShare?: number;
  servedModel?: string;
}

function live(outcomes: readonly Outcome[], window = 500) {
  const recent = [...outcomes].sort((a, b) => a.issuedAt - b.issuedAt).slice(-window);
  if (!recent.length) return { n: 0 };
  return { n: recent.length, pinball: metricValue('pinball', recent), mae: metricValue('mae', recent), maeSkill: maeSkill(recent), coverage90: coverage(recent) };
}

export async function registryPerformance(o: PerformanceOptions): Promise<Record<string, unknown>> {
  const { registry } = o;
  const metric = o.rollback?.metric ?? 'pinball';
  const lines = [];
  for (const line of o.lines) {
    const [champion, challenger] = await Promise.all([registry.resolveVersion(line, 'champion'), registry.resolveVersion(line, 'challenger')]);
    const champOut = champion ? await o.outcomes(champion) : [];
    const challOut = challenger ? await o.outcomes(challenger) : [];
    let championView: Record<string, unknown> | null = null;
    if (champion) {
      const info = await registry.info(champion);
      const since = (await registry.decisions({ ...line })).filter((d) => (d.action === 'promote' || d.action === 'rollback') && d.toVersion === champion).reduce((t, d) => Math.max(t, d.at), Number.NEGATIVE_INFINITY);
      const tenure = champOut.filter((x) => x.issuedAt >= since);
      championView = {
        version: champion, since: Number.isFinite(since) ? since : null, sha256: info.artifact.sha256, parent: info.parent ?? null, dataRange: info.dataRange,
        validation: info.card.validation[line.horizon] ?? null, live: live(tenure),
        rollbackCheck: evaluateRollback(tenure, { validation: validationBaseline(info.card, line.horizon, metric) }, o.rollback),
      };
    }
    lines.push({
      name: line.name, asset: line.asset, horizon: line.horizon,
      champion: championView,
      challenger: challenger ? { version: challenger, live: live(challOut), gate: champion ? evaluatePromotion(champOut, challOut, o.promotion) : null } : null,
      // Canary applies to the served model's lines (GET /api/v1/predictions routes per caller); others stay shadows.
      traffic: !challenger ? { kind: 'champion', champion: champion ?? null }
        : o.traffic === 'canary' && line.name === o.servedModel ? { kind: 'canary', champion, challenger, share: o.canaryShare ?? 0.1 }
        : { kind: 'shadow', champion, shadow: challenger, served: champion },
      decisions: await registry.decisions({ ...line, limit: o.decisions ?? 20 }),
    });
  }
  return { lines, learning: o.learning?.() ?? [] };
}
