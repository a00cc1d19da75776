/**
 * Per-row transforms of point-in-time observation series, for the on-chain, sentiment and macro feature
 * sets. A source is a function of the row (usually one aligned series, sometimes a ratio of two); a
 * transform keeps its own bounded state. Windows count rows (bars), like every other feature: on an
 * hourly frame `rows: 24` is one day of bars, over which a daily series has changed once.
 *
 * Missing data is explicit: a source is NaN before its series' first publication (the host's join never
 * invents a value), transforms stay NaN until their window holds only real values, and `ageHours`
 * reports how stale the forward-filled value is.
 */
import type { FeatureInfo } from '../schemas/feature.js';
import { HOUR } from '../time.js';
import type { KernelBar, KernelSpec } from './kernel.js';
import { Lag, WindowSums } from './rolling.js';

export type RowSource = (bar: KernelBar) => number;

/** A row's aligned value of `key` (`source:series`), NaN when absent. */
export const obsValue =
  (key: string): RowSource =>
  (bar) =>
    bar.obs[key]?.value ?? Number.NaN;

/** One feature: its registry entry and a factory of its per-row computation. */
export interface SeriesFeature {
  info: FeatureInfo;
  make(): RowSource;
}

export const level = (info: FeatureInfo, src: RowSource, scale = 1): SeriesFeature => ({
  info,
  make: () => (bar) => src(bar) * scale,
});

/** log(x_t / x_{t - rows}). */
export const logChange = (info: FeatureInfo, src: RowSource, rows: number): SeriesFeature => ({
  info,
  make: () => {
    const lag = new Lag(rows);
    return (bar) => {
      const x = src(bar);
      return Math.log(x / lag.push(x));
    };
  },
});

/** (x_t - x_{t - rows}) * scale: for yields and bounded indices, where a difference is the natural change. */
export const change = (info: FeatureInfo, src: RowSource, rows: number, scale = 1): SeriesFeature => ({
  info,
  make: () => {
    const lag = new Lag(rows);
    return (bar) => {
      const x = src(bar);
      return (x - lag.push(x)) * scale;
    };
  },
});

/** z-score of x_t (or log x_t) within its last `rows` values; 0 when the window is flat. */
export const zscore = (info: FeatureInfo, src: RowSource, rows: number, log = false): SeriesFeature => ({
  info,
  make: () => {
    const w = new WindowSums(rows, 2);
    return (bar) => {
      const x = log ? Math.log(src(bar)) : src(bar);
      w.push(x);
      return w.z(x);
    };
  },
});

/** log(SMA short / SMA long) of the source. */
export const smaRatio = (info: FeatureInfo, src: RowSource, short: number, long: number): SeriesFeature => ({
  info,
  make: () => {
    const s = new WindowSums(short, 1);
    const l = new WindowSums(long, 1);
    return (bar) => {
      const x = src(bar);
      s.push(x);
      l.push(x);
      return Math.log(s.mean() / l.mean());
    };
  },
});

/** Hours since the period of the value in use (asOf - eventTime): staleness as a feature of its own. */
export const ageHours = (info: FeatureInfo, key: string): SeriesFeature => ({
  info,
  make: () => (bar) => (bar.obs[key]?.ageMs ?? Number.NaN) / HOUR,
});

/**
 * Bundle series features into one kernel spec.
 * @example
 * seriesKernel([level({ name: 'fng_level', description: 'index / 100', lookback: 0 }, obsValue('fear-greed:fng'), 0.01)])
 */
export function seriesKernel(features: readonly SeriesFeature[]): KernelSpec {
  return {
    features: features.map((f) => f.info),
    create: () => {
      const fns = features.map((f) => f.make());
      return {
        step(bar, out, off) {
          for (let k = 0; k < fns.length; k++) out[off + k] = fns[k]!(bar);
        },
      };
    },
  };
}
