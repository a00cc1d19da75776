/**
 * Ensembles as the host runs them: one combiner per configured ensemble and horizon, fed in issue order
 * with the members' out-of-sample forecasts and resolved only with outcomes public at the time. The same
 * code runs in the walk-forward backtest and in the live pipeline, so the backtest rows of `stack`,
 * `dynamic` and `equal` are what serving them would have produced.
 */
import { ConfigError, ValidationError, type EnsembleConfig, type ReturnForecast } from '@satcast/core';
import { DynamicWeighting, OnlineStacker, equalWeight, type ShockSwitchOptions } from '@satcast/plugin-ensemble';

export interface Combiner {
  /** Feed outcomes public by `now`; `realized(row)` is the row's log return or undefined. */
  resolve(now: number, realized: (row: number) => number | undefined): void;
  /**
   * The combined forecast of `row` issued at `asOf` (outcome public at `resolvesAt`), from the members
   * present. `record: false` only computes it (a repeated or on-demand prediction is learned from once).
   */
  issue(row: number, asOf: number, resolvesAt: number, members: Record<string, ReturnForecast>, anomaly?: number, record?: boolean): ReturnForecast;
  /** Current member weights (for metadata and /api/v1/models/performance). */
  weights(): Record<string, number>;
}

/** A NaN anomaly score (the isolation forest's warm-up) means "no score", never a shock. */
const score = (a: number | undefined) => (a === undefined || !Number.isFinite(a) ? {} : { shockScore: Math.min(1, Math.max(0, a)) });

/** The combiner of one configured ensemble (fresh state). Bad combiner options are a ConfigError naming the field. */
export function createCombiner(e: EnsembleConfig): Combiner {
  const shock: ShockSwitchOptions | undefined = e.shock ? { threshold: e.shock.threshold, ...(e.shock.robust ? { robustMember: e.shock.robust } : {}) } : undefined;
  try {
    if (e.method === 'equal') {
      if (e.shock) throw new ConfigError(`ensemble "${e.id}": shock handling needs method "stack" or "dynamic"`, { field: 'ensembles.shock' });
      let last: Record<string, number> = Object.fromEntries(e.members.map((m) => [m, 1 / e.members.length]));
      return {
        resolve() {},
        issue(_row, _asOf, _resolvesAt, members) {
          const f = equalWeight(members);
          last = (f.info?.weights as Record<string, number> | undefined) ?? last;
          return f;
        },
        weights: () => ({ ...last }),
      };
    }
    if (e.method === 'dynamic') {
      const dw = new DynamicWeighting({ ...(e.options as object), members: [...e.members], ...(shock ? { shock } : {}) });
      return {
        resolve: (now, realized) => dw.resolve(now, realized),
        issue: (row, asOf, resolvesAt, members, anomaly, record = true) => dw.issue(row, asOf, resolvesAt, members, score(anomaly), record),
        weights: () => dw.weights(),
      };
    }
    const st = new OnlineStacker({ ...(e.options as object), members: [...e.members], ...(shock ? { shock } : {}) });
    return {
      resolve: (now, realized) => st.resolve(now, realized),
      issue: (row, asOf, resolvesAt, members, anomaly, record = true) => st.issue(row, asOf, resolvesAt, members, score(anomaly), record),
      weights() {
        // Mean over the quantile levels and the point of the stacker's simplex weights.
        const p = st.params();
        const levels = Object.values(p.weights);
        return Object.fromEntries(e.members.map((m) => [m, levels.reduce((s, w) => s + (w[m] ?? 0), 0) / levels.length]));
      },
    };
  } catch (err) {
    if (err instanceof ValidationError) {
      const field = err.field;
      throw new ConfigError(`ensemble "${e.id}" options: ${err.message}`, { field: `ensembles.${e.id}.options${field ? `.${field}` : ''}` });
    }
    throw err;
  }
}
