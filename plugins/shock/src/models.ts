/** The `garch` and `har` model plugins: volatility engines plugged into the shared conformal band. */
import { z } from 'zod';
import { defineModel } from '@satcast/core';
import { createBandModel, loadBandState, type BandState, type VolEngine } from './band.js';
import { fitGarch, garchHorizonVariance, garchStep, unconditionalVariance, type GarchParams } from './garch.js';
import { fitHar, harForecast, harRegressors, HarWindows, type HarParams } from './har.js';
import { parseOptions } from './options.js';

const common = {
  /** Feature holding the one-bar log return of the row's bar (the ta plugin's `logret_1`). */
  returnFeature: z.string().min(1).default('logret_1'),
  /** Bar length of the feature rows, ms. */
  barMs: z.number().int().positive().default(3_600_000),
  /** Share of the usable (known-target) training rows, the newest, used for the conformal band and pUp. */
  calibrationFraction: z.number().min(0.05).max(0.8).default(0.25),
  /** Longest gap (bars) between the last training row and the first predicted/context row over which the filter is continued; longer gaps start cold. */
  maxGapBars: z.number().int().min(0).max(100_000).default(24 * 14),
};

export const garchOptionsSchema = z.strictObject({
  ...common,
  /** Mean of the one-bar return: 0, or the fit sample's mean. */
  mean: z.enum(['zero', 'constant']).default('zero'),
  /** Likelihood: Gaussian QMLE (default) or Student-t ML with estimated degrees of freedom. */
  distribution: z.enum(['normal', 't']).default('normal'),
  /** Newest returns (bars) the likelihood is maximised on. */
  maxFitBars: z.number().int().min(500).max(1_000_000).default(20_000),
  /** Nelder-Mead iterations per start. */
  maxIterations: z.number().int().min(50).max(10_000).default(400),
});
export type GarchOptions = z.output<typeof garchOptionsSchema>;

export const harOptionsSchema = z.strictObject({
  ...common,
  /** Regress log realised variance (default) or its level. */
  transform: z.enum(['log', 'level']).default('log'),
  /** Daily, weekly, monthly windows in bars, ascending. */
  windows: z
    .tuple([z.number().int().min(1), z.number().int().min(2), z.number().int().min(3).max(10_000)])
    .default([24, 168, 720])
    .refine((w) => w[0] < w[1] && w[1] < w[2], { message: 'windows must be strictly ascending' }),
  /** Newest regression rows used. */
  maxFitRows: z.number().int().min(500).max(1_000_000).default(20_000),
});
export type HarOptions = z.output<typeof harOptionsSchema>;

/** The GARCH engine's anchor: conditional variance of the next bar's return. */
interface GarchAnchor {
  v: number;
}

function garchEngine(o: GarchOptions): VolEngine<GarchParams, GarchAnchor> {
  return {
    fit: (returns) => fitGarch(returns.subarray(Math.max(0, returns.length - o.maxFitBars)), { mean: o.mean, distribution: o.distribution, maxIterations: o.maxIterations }).params,
    start(p, h, anchor) {
      let v = anchor ? anchor.v : unconditionalVariance(p);
      return {
        step: (r) => void (v = garchStep(p, v, r)),
        horizonVariance: () => garchHorizonVariance(p, v, h),
        snapshot: () => ({ v }),
      };
    },
  };
}

/** The HAR engine's anchor: the last `windows[2]` one-bar returns, oldest first (null = missing, JSON-safe). */
interface HarAnchor {
  returns: (number | null)[];
}

function harEngine(o: HarOptions): VolEngine<HarParams, HarAnchor> {
  return {
    fit: (returns, h) => fitHar(returns, h, { transform: o.transform, windows: o.windows, maxRows: o.maxFitRows }),
    start(p, h, anchor) {
      const w = new HarWindows(p.windows);
      for (const r of anchor?.returns ?? []) w.push(r === null ? Number.NaN : r);
      const push = (r: number) => w.push(r);
      const m = new Float64Array(3);
      let cached = Number.NaN;
      return {
        step: (r) => {
          push(r);
          cached = Number.NaN;
        },
        horizonVariance: () => {
          if (Number.isNaN(cached)) cached = h * harForecast(p, harRegressors(p, w, m));
          return cached;
        },
        snapshot: () => ({ returns: w.returns().map((r) => (Number.isFinite(r) ? r : null)) }),
      };
    },
  };
}

/**
 * GARCH(1,1) volatility band (Gaussian QMLE, zero or constant mean) over one-bar log returns.
 * @example
 * import { garch } from '@satcast/plugin-shock';
 * const m = await garch.create(garch.optionsSchema.parse({}), ctx);
 * await m.fit(train);             // rows carry `logret_1`
 * const [f] = await m.predict(next); // f.info.sigma is the horizon volatility
 */
export const garch = defineModel<GarchOptions>({
  name: 'garch',
  apiVersion: 1,
  description: 'GARCH(1,1) volatility (QMLE) with split-conformal band on standardised returns',
  optionsSchema: garchOptionsSchema,
  capabilities: { horizons: ['1h', '4h', '24h'], formats: ['json'], cheapRefit: false, sequenceLength: 720 },
  inputs: (o) => [o.returnFeature],
  create: (raw) => {
    const o = parseOptions('garch', garchOptionsSchema, raw);
    return createBandModel('garch', o, garchEngine(o));
  },
  load: (blob, raw) => {
    const o = parseOptions('garch', garchOptionsSchema, raw);
    return createBandModel('garch', o, garchEngine(o), loadBandState<GarchParams, GarchAnchor>('garch', blob));
  },
});

/**
 * HAR-RV volatility band (daily/weekly/monthly realised variance, OLS) over one-bar log returns.
 * @example
 * import { har } from '@satcast/plugin-shock';
 * const m = await har.create(har.optionsSchema.parse({ transform: 'log' }), ctx);
 * await m.fit(train);
 * const forecasts = await m.predict(next);
 */
export const har = defineModel<HarOptions>({
  name: 'har',
  apiVersion: 1,
  description: 'HAR-RV volatility (daily/weekly/monthly realised variance, OLS) with split-conformal band',
  optionsSchema: harOptionsSchema,
  capabilities: { horizons: ['1h', '4h', '24h'], formats: ['json'], cheapRefit: false, sequenceLength: 720 },
  inputs: (o) => [o.returnFeature],
  create: (raw) => {
    const o = parseOptions('har', harOptionsSchema, raw);
    return createBandModel('har', o, harEngine(o));
  },
  load: (blob, raw) => {
    const o = parseOptions('har', harOptionsSchema, raw);
    return createBandModel('har', o, harEngine(o), loadBandState<HarParams, HarAnchor>('har', blob));
  },
});

export type { BandState };
