/**
 * Retraining triggers. Each is a pure function of the data it is given and returns `{ fire, reason,
 * numbers }`, so a decision can be replayed and logged with the evidence behind it.
 */
import { DAY, HOUR, MINUTE, type Outcome } from '@satcast/core';
import { benjaminiHochberg, holm, ksTwoSample, mean, psi, stdev } from './stats.js';

export interface TriggerResult {
  trigger: 'coverage' | 'drift' | 'schedule' | 'regime';
  fire: boolean;
  reason: string;
  numbers: Record<string, unknown>;
}

export interface CoverageTriggerConfig {
  /** Fire below this rolling coverage of the 90% band (default 0.88). */
  threshold?: number;
  /** Newest outcomes considered (default 500). */
  window?: number;
  /** No verdict before this many outcomes (default 100). */
  minSamples?: number;
}

/** (a) Performance degradation: rolling 90% band coverage below the threshold. */
export function coverageTrigger(outcomes: readonly Outcome[], cfg: CoverageTriggerConfig = {}): TriggerResult {
  const threshold = cfg.threshold ?? 0.88;
  const window = cfg.window ?? 500;
  const minSamples = cfg.minSamples ?? 100;
  const recent = [...outcomes].sort((a, b) => a.issuedAt - b.issuedAt).slice(-window);
  const covered = recent.filter((o) => o.covered90).length;
  const cov = recent.length ? covered / recent.length : Number.NaN;
  const numbers = { coverage: recent.length ? cov : null, covered, n: recent.length, threshold, window };
  if (recent.length < minSamples) return { trigger: 'coverage', fire: false, reason: `only ${recent.length} outcomes, need ${minSamples}`, numbers };
  const fire = cov < threshold;
  return { trigger: 'coverage', fire, reason: `90% band coverage ${cov.toFixed(3)} over ${recent.length} outcomes ${fire ? '<' : '>='} ${threshold}`, numbers };
}

export interface DriftTriggerConfig {
  /** Significance after correction (default 0.05). */
  alpha?: number;
  /** `bh` (Benjamini-Hochberg, default) or `holm`. */
  correction?: 'bh' | 'holm';
  /** Features with fewer recent finite values are skipped (default 50). */
  minSamples?: number;
  /** Also require PSI above this for a feature to count (default 0: the KS test alone decides). */
  minPsi?: number;
}

/**
 * (b) Data drift: two-sample KS per feature, recent vs training distribution, p-values adjusted for the
 * number of features tested. PSI is reported beside each. Autocorrelated features make KS over-reject
 * (see stats.ts); `minPsi` adds an effect-size floor where that matters.
 */
export function driftTrigger(reference: Readonly<Record<string, ArrayLike<number>>>, recent: Readonly<Record<string, ArrayLike<number>>>, cfg: DriftTriggerConfig = {}): TriggerResult {
  const alpha = cfg.alpha ?? 0.05;
  const correction = cfg.correction ?? 'bh';
  const minSamples = cfg.minSamples ?? 50;
  const minPsi = cfg.minPsi ?? 0;
  const names = Object.keys(reference).filter((f) => recent[f] && Array.from(recent[f]!).filter(Number.isFinite).length >= minSamples).sort();
  const tests = names.map((f) => ({ feature: f, ...ksTwoSample(reference[f]!, recent[f]!), psi: psi(reference[f]!, recent[f]!) }));
  const usable = tests.filter((t) => Number.isFinite(t.pValue));
  const adjusted = (correction === 'holm' ? holm : benjaminiHochberg)(usable.map((t) => t.pValue));
  const features: Record<string, { ks: number; p: number; pAdjusted: number; psi: number }> = {};
  const drifted: string[] = [];
  usable.forEach((t, i) => {
    features[t.feature] = { ks: t.statistic, p: t.pValue, pAdjusted: adjusted[i]!, psi: t.psi };
    if (adjusted[i]! < alpha && t.psi >= minPsi) drifted.push(t.feature);
  });
  const numbers = { alpha, correction, tested: usable.length, drifted, features };
  if (usable.length === 0) return { trigger: 'drift', fire: false, reason: `no feature has ${minSamples} recent values to test`, numbers };
  const fire = drifted.length > 0;
  const worst = [...usable].sort((a, b) => a.pValue - b.pValue)[0]!;
  return {
    trigger: 'drift', fire,
    reason: fire
      ? `${drifted.length}/${usable.length} features drifted (${correction} p < ${alpha}): ${drifted.slice(0, 5).join(', ')}${drifted.length > 5 ? ', …' : ''}`
      : `no feature drifted (${correction}); smallest p ${worst.pValue.toPrecision(3)} (${worst.feature})`,
    numbers,
  };
}

export interface ScheduleConfig {
  /** UTC hour and minute of the daily slot (default 03:00). */
  hourUtc?: number;
  minuteUtc?: number;
}

/** The first daily slot strictly after `t`. */
export function nextDue(t: number, cfg: ScheduleConfig = {}): number {
  const offset = (cfg.hourUtc ?? 3) * HOUR + (cfg.minuteUtc ?? 0) * MINUTE;
  const slot = Math.floor((t - offset) / DAY) * DAY + offset;
  return slot > t ? slot : slot + DAY;
}

/** The newest daily slot at or before `t`. */
export function lastDue(t: number, cfg: ScheduleConfig = {}): number {
  return nextDue(t, cfg) - DAY;
}

/** (c) Schedule: a slot has passed since the last run (or since the scheduler started). */
export function scheduleTrigger(now: number, lastRunAt: number, cfg: ScheduleConfig = {}): TriggerResult {
  const dueAt = lastDue(now, cfg);
  const fire = lastRunAt < dueAt;
  const iso = (t: number) => new Date(t).toISOString();
  return {
    trigger: 'schedule', fire,
    reason: fire ? `daily slot ${iso(dueAt)} passed since last run ${iso(lastRunAt)}` : `next slot ${iso(nextDue(now, cfg))}`,
    numbers: { now, lastRunAt, dueAt, nextDueAt: nextDue(now, cfg) },
  };
}

export interface RegimeTriggerConfig {
  /** Bars in one realized-volatility window (default 24). */
  window?: number;
  /** Past realized-volatility values forming the trailing distribution (default 720 = 30 days hourly). */
  trailing?: number;
  /** Fire when the current value is more than this many standard deviations above the trailing mean (default 2). */
  sigma?: number;
  /** Trailing values needed before any verdict (default 100). */
  minTrailing?: number;
}

/**
 * (d) Regime change: realized volatility over the newest `window` log returns, sqrt(Σ r²), compared with
 * the trailing distribution of the same quantity. The trailing values end a full window before now, so
 * the spike being tested is never part of its own baseline.
 */
export function regimeTrigger(logReturns: ArrayLike<number>, cfg: RegimeTriggerConfig = {}): TriggerResult {
  const window = cfg.window ?? 24;
  const trailing = cfg.trailing ?? 720;
  const sigma = cfg.sigma ?? 2;
  const minTrailing = cfg.minTrailing ?? 100;
  const r = Array.from(logReturns).filter(Number.isFinite);
  const rv = (end: number) => {
    let s = 0;
    for (let i = end - window; i < end; i++) s += r[i]! * r[i]!;
    return Math.sqrt(s);
  };
  const n = r.length;
  const numbers: Record<string, unknown> = { window, trailing, sigma, returns: n };
  if (n < window) return { trigger: 'regime', fire: false, reason: `only ${n} returns, need ${window}`, numbers };
  const current = rv(n);
  const past: number[] = [];
  for (let end = Math.max(window, n - window - trailing + 1); end <= n - window; end++) past.push(rv(end));
  const mu = mean(past);
  const sd = stdev(past);
  const z = sd > 0 ? (current - mu) / sd : Number.NaN;
  Object.assign(numbers, { realizedVol: current, trailingMean: past.length ? mu : null, trailingStd: past.length > 1 ? sd : null, z: Number.isFinite(z) ? z : null, trailingN: past.length });
  if (past.length < minTrailing) return { trigger: 'regime', fire: false, reason: `only ${past.length} trailing windows, need ${minTrailing}`, numbers };
  const fire = z > sigma;
  return { trigger: 'regime', fire, reason: `${window}-bar realized volatility ${current.toPrecision(3)} is ${Number.isFinite(z) ? z.toFixed(2) : 'n/a'}σ from its trailing mean ${mu.toPrecision(3)} (threshold ${sigma}σ)`, numbers };
}
