/**
 * @module @satcast/plugin-ewma-band
 * EWMA-volatility band baseline. For each row the horizon volatility is sigma_h = vol * sqrt(h / bar);
 * the band is sigma_h times empirical quantiles of past standardised returns z = r / sigma_h (a
 * filtered-historical / split-conformal band, so coverage adapts to calm and wild regimes), the point is
 * sigma_h times the median z, and pUp is the smoothed frequency of up-moves after rows whose drift had
 * the same sign: a calibrated rate, not a guess.
 */
import { z } from 'zod';
import {
  defineModel,
  HORIZON_MS,
  QUANTILE_LEVELS,
  quantileSorted,
  smoothedRate,
  sortedFinite,
  ValidationError,
  type Model,
  type QuantileKey,
  type ReturnForecast,
  type SerializedModel,
} from '@satcast/core';

export const optionsSchema = z.strictObject({
  /** Most recent training rows (with known targets) used to calibrate the band and pUp. */
  window: z.number().int().min(100).max(1_000_000).default(2000),
  /** Feature holding the one-bar volatility (e.g. `ewma_vol` from the ta plugin). */
  volFeature: z.string().min(1).default('ewma_vol'),
  /** Feature whose sign is the drift signal (e.g. `logret_24`). */
  driftFeature: z.string().min(1).default('logret_24'),
  /** Bar length of the feature rows, ms (volatility is per bar). */
  barMs: z.number().int().positive().default(3_600_000),
});
export type EwmaBandOptions = z.output<typeof optionsSchema>;

interface State {
  zq: Record<QuantileKey, number>;
  /** Calibrated P(up) after a non-negative / negative drift. */
  pUpPos: number;
  pUpNeg: number;
  n: number;
  scale: number;
}

const KEYS = Object.keys(QUANTILE_LEVELS) as QuantileKey[];

function model(state: State | undefined, o: EwmaBandOptions): Model {
  const need = (what: string) => new ValidationError(`${what} called before fit()`, { plugin: 'ewma-band' });
  const column = (f: Readonly<Record<string, Float64Array>>, name: string) => {
    const c = f[name];
    if (!c) throw new ValidationError(`missing input feature "${name}"`, { plugin: 'ewma-band', field: name });
    return c;
  };
  return {
    fit(train) {
      const scale = Math.sqrt(HORIZON_MS[train.horizon] / o.barMs);
      const vol = column(train.features, o.volFeature);
      const drift = column(train.features, o.driftFeature);
      const zs: number[] = [];
      let nPos = 0, upPos = 0, nNeg = 0, upNeg = 0;
      for (let i = train.target.length - 1; i >= 0 && zs.length < o.window; i--) {
        const y = train.target[i]!;
        const s = vol[i]! * scale;
        if (!Number.isFinite(y) || !(s > 0) || !Number.isFinite(drift[i]!)) continue;
        zs.push(y / s);
        if (drift[i]! >= 0) (nPos++, y > 0 && upPos++);
        else (nNeg++, y > 0 && upNeg++);
      }
      if (zs.length < 50) {
        throw new ValidationError(`needs at least 50 usable training rows, got ${zs.length}`, { plugin: 'ewma-band' });
      }
      const sorted = sortedFinite(zs);
      const zq = {} as Record<QuantileKey, number>;
      for (const k of KEYS) zq[k] = quantileSorted(sorted, QUANTILE_LEVELS[k]);
      state = { zq, pUpPos: smoothedRate(upPos, nPos), pUpNeg: smoothedRate(upNeg, nNeg), n: zs.length, scale };
    },
    predict(input) {
      if (!state) throw need('predict()');
      const s = state;
      const vol = column(input.features, o.volFeature);
      const drift = column(input.features, o.driftFeature);
      return Array.from(input.times, (_t, i): ReturnForecast => {
        const sigma = vol[i]! * s.scale;
        const usable = sigma > 0 && Number.isFinite(sigma);
        const q = {} as Record<QuantileKey, number>;
        // Without a usable volatility the row falls back to a zero-width band at no change: the host flags it.
        for (const k of KEYS) q[k] = usable ? s.zq[k] * sigma : 0;
        const up = Number.isFinite(drift[i]!) ? (drift[i]! >= 0 ? s.pUpPos : s.pUpNeg) : 0.5;
        return { point: q.p50, quantiles: q, pUp: up, info: { sigma: usable ? sigma : null, calibrationRows: s.n } };
      });
    },
    serialize(): SerializedModel {
      if (!state) throw need('serialize()');
      return { format: 'json', bytes: new TextEncoder().encode(JSON.stringify(state)) };
    },
  };
}

export default defineModel<EwmaBandOptions>({
  name: 'ewma-band',
  apiVersion: 1,
  description: 'EWMA-volatility band with calibrated drift-sign pUp',
  optionsSchema,
  capabilities: { horizons: ['1h', '4h', '24h'], formats: ['json'], cheapRefit: true },
  inputs: (o) => [o.volFeature, o.driftFeature],
  create: (o) => model(undefined, o),
  load: (blob, o) => model(JSON.parse(new TextDecoder().decode(blob.bytes)) as State, o),
});
