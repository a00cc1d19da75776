/**
 * Promotion and rollback gates on honest metrics. Promotion needs evidence: the challenger's losses,
 * paired with the champion's on the same forecasts, must be lower with Diebold-Mariano significance
 * (HAC variance, so overlapping 24h forecasts issued hourly are not counted as independent). Rollback
 * needs only a sustained margin: the live champion's loss over a window exceeds its own validation
 * baseline, or the previous champion's, by more than `margin`.
 */
import { HORIZON_MS, type Outcome } from '@satcast/core';
import { dieboldMariano, mean, neweyWestLag } from './stats.js';

/**
 * `pinball`: mean pinball loss over p05..p95. `mae`: absolute error of the point (on paired forecasts the
 * persistence error is shared, so this is the test on MAE skill). `coverage`: 90% band coverage error
 * |coverage − 0.9|, as the per-forecast series s·(1{covered} − 0.9) with s the sign of the model's overall
 * deviation (its mean is exactly the coverage error).
 */
export type GateMetric = 'pinball' | 'mae' | 'coverage';
export const COVERAGE_TARGET = 0.9;

export interface PromotionGateConfig {
  metric?: GateMetric;
  /** One-sided significance level (default 0.05). */
  alpha?: number;
  /** Paired forecasts needed before any verdict (default 200). */
  minSamples?: number;
  /** Relative improvement of mean loss also required (default 0: significance alone). */
  minImprovement?: number;
  /** HAC lag; default max(overlap of consecutive forecasts, Newey-West rule). */
  lag?: number;
  /** Harvey-Leybourne-Newbold small-sample correction with t(n−1) (default true). */
  hln?: boolean;
}

export interface GateVerdict {
  promote: boolean;
  reason: string;
  numbers: Record<string, number | string>;
}

/** Keep only forecasts both models made (same horizon and issue time), ordered by issue time. */
export function pairOutcomes(a: readonly Outcome[], b: readonly Outcome[]): { a: Outcome[]; b: Outcome[] } {
  const key = (o: Outcome) => `${o.horizon}|${o.issuedAt}`;
  const byKey = new Map(b.map((o) => [key(o), o]));
  const pa: Outcome[] = [];
  const pb: Outcome[] = [];
  for (const o of [...a].sort((x, y) => x.issuedAt - y.issuedAt)) {
    const m = byKey.get(key(o));
    if (m) {
      pa.push(o);
      pb.push(m);
    }
  }
  return { a: pa, b: pb };
}

/** Per-forecast loss series for a metric (lower is better). */
export function lossSeries(metric: GateMetric, outcomes: readonly Outcome[]): Float64Array {
  if (metric === 'pinball') return Float64Array.from(outcomes, (o) => o.pinball);
  if (metric === 'mae') return Float64Array.from(outcomes, (o) => o.absError);
  const sign = Math.sign(coverage(outcomes) - COVERAGE_TARGET) || 1;
  return Float64Array.from(outcomes, (o) => sign * ((o.covered90 ? 1 : 0) - COVERAGE_TARGET));
}

export function coverage(outcomes: readonly Outcome[]): number {
  return outcomes.length ? outcomes.filter((o) => o.covered90).length / outcomes.length : Number.NaN;
}

/** The aggregate a metric reports: mean pinball, MAE, or |coverage − 0.9|. */
export function metricValue(metric: GateMetric, outcomes: readonly Outcome[]): number {
  if (metric === 'coverage') return Math.abs(coverage(outcomes) - COVERAGE_TARGET);
  return mean(lossSeries(metric, outcomes));
}

/** 1 − MAE/MAE(persistence) on the given forecasts. */
export function maeSkill(outcomes: readonly Outcome[]): number {
  return 1 - mean(outcomes.map((o) => o.absError)) / mean(outcomes.map((o) => o.persistenceAbsError));
}

/** Forecasts issued more often than the horizon overlap: lag = ceil(horizon / spacing) − 1. */
export function overlapLag(outcomes: readonly Outcome[]): number {
  if (outcomes.length < 2) return 0;
  const gaps: number[] = [];
  for (let i = 1; i < outcomes.length; i++) gaps.push(outcomes[i]!.issuedAt - outcomes[i - 1]!.issuedAt);
  gaps.sort((x, y) => x - y);
  const spacing = gaps[Math.floor(gaps.length / 2)]!;
  return spacing > 0 ? Math.max(0, Math.ceil(HORIZON_MS[outcomes[0]!.horizon] / spacing) - 1) : 0;
}

/**
 * Should the challenger replace the champion? Pure: same outcomes in, same verdict and numbers out.
 * @example
 * const v = evaluatePromotion(championOutcomes, challengerOutcomes, { metric: 'pinball' });
 * if (v.promote) await registry.promote(challenger, { reason: v.reason, numbers: v.numbers });
 */
export function evaluatePromotion(champion: readonly Outcome[], challenger: readonly Outcome[], cfg: PromotionGateConfig = {}): GateVerdict {
  const metric = cfg.metric ?? 'pinball';
  const alpha = cfg.alpha ?? 0.05;
  const minSamples = cfg.minSamples ?? 200;
  const minImprovement = cfg.minImprovement ?? 0;
  const { a, b } = pairOutcomes(champion, challenger);
  const n = a.length;
  const base = { metric, alpha, minSamples, minImprovement, n };
  if (n < minSamples) return { promote: false, reason: `only ${n} paired forecasts, need ${minSamples}`, numbers: base };
  const overlap = overlapLag(a);
  const lag = cfg.lag ?? Math.max(overlap, neweyWestLag(n));
  const dm = dieboldMariano(lossSeries(metric, a), lossSeries(metric, b), { lag, alternative: 'greater', ...(cfg.hln === false ? {} : { hln: { h: overlap + 1 } }) });
  const champValue = metricValue(metric, a);
  const challValue = metricValue(metric, b);
  const improvement = champValue > 0 ? (champValue - challValue) / champValue : challValue < champValue ? Infinity : 0;
  const numbers = {
    ...base, lag, champion: champValue, challenger: challValue, relativeImprovement: improvement,
    meanDiff: dm.meanDiff, dmStatistic: dm.statistic, pValue: dm.pValue, distribution: dm.distribution,
    championMaeSkill: maeSkill(a), challengerMaeSkill: maeSkill(b), championCoverage: coverage(a), challengerCoverage: coverage(b),
  };
  const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(4));
  if (!(dm.pValue < alpha)) {
    return { promote: false, reason: `${metric}: challenger ${fmt(challValue)} vs champion ${fmt(champValue)}, DM p=${dm.pValue.toPrecision(3)} >= ${alpha} (n=${n}, lag ${lag}): not significantly better`, numbers };
  }
  if (improvement < minImprovement) {
    return { promote: false, reason: `${metric}: significant (p=${dm.pValue.toPrecision(3)}) but improvement ${(improvement * 100).toFixed(2)}% < required ${(minImprovement * 100).toFixed(2)}%`, numbers };
  }
  return { promote: true, reason: `${metric}: challenger ${fmt(challValue)} vs champion ${fmt(champValue)} (${(improvement * 100).toFixed(2)}% better), DM p=${dm.pValue.toPrecision(3)} < ${alpha} (n=${n}, lag ${lag})`, numbers };
}

export interface RollbackConfig {
  metric?: GateMetric;
  /** Allowed relative worsening (default 0.02 = 2%). */
  margin?: number;
  /** Newest outcomes evaluated (default 500). */
  window?: number;
  /** Outcomes needed before any verdict (default 100). */
  minSamples?: number;
}

export interface RollbackBaselines {
  /** The champion's own validation score for the metric (from its model card). */
  validation?: number;
  /** The previous champion's live score on the metric over its tenure. */
  previousChampion?: number;
}

export interface RollbackVerdict {
  rollback: boolean;
  reason: string;
  numbers: Record<string, number | string | null>;
}

/**
 * Has the live champion worsened past the margin? Compares the newest `window` outcomes' metric with
 * each available baseline; both are "lower is better".
 */
export function evaluateRollback(live: readonly Outcome[], baselines: RollbackBaselines, cfg: RollbackConfig = {}): RollbackVerdict {
  const metric = cfg.metric ?? 'pinball';
  const margin = cfg.margin ?? 0.02;
  const window = cfg.window ?? 500;
  const minSamples = cfg.minSamples ?? 100;
  const recent = [...live].sort((x, y) => x.issuedAt - y.issuedAt).slice(-window);
  const value = metricValue(metric, recent);
  const numbers: RollbackVerdict['numbers'] = {
    metric, margin, window, n: recent.length, live: recent.length ? value : null,
    validation: baselines.validation ?? null, previousChampion: baselines.previousChampion ?? null,
  };
  if (recent.length < minSamples) return { rollback: false, reason: `only ${recent.length} live outcomes, need ${minSamples}`, numbers };
  for (const [name, b] of [['validation baseline', baselines.validation], ['previous champion', baselines.previousChampion]] as const) {
    if (b === undefined || !Number.isFinite(b)) continue;
    const limit = b * (1 + margin);
    if (value > limit) {
      numbers.worsening = b > 0 ? value / b - 1 : Infinity;
      return { rollback: true, reason: `${metric} ${value.toPrecision(4)} over the last ${recent.length} outcomes is worse than the ${name} ${b.toPrecision(4)} by more than ${(margin * 100).toFixed(1)}%`, numbers };
    }
  }
  return { rollback: false, reason: `${metric} ${value.toPrecision(4)} within ${(margin * 100).toFixed(1)}% of its baselines`, numbers };
}
