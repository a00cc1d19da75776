/**
 * @module @satcast/plugin-persistence
 * The persistence baseline every score is shown beside: the point forecast is "no change" (log return
 * 0). Its band is climatological: empirical quantiles of the last `window` realised horizon returns, and
 * pUp is the smoothed share of past up-moves. Anything that cannot beat this has no skill.
 */
import { z } from 'zod';
import { defineModel, ValidationError, type Model, type ReturnForecast, type SerializedModel } from '@satcast/core';
import { QUANTILE_LEVELS, quantileSorted, smoothedRate, sortedFinite, type QuantileKey } from '@satcast/core';

export const optionsSchema = z.strictObject({
  /** Most recent training rows (with known targets) the band and pUp are estimated from. */
  window: z.number().int().min(50).max(1_000_000).default(2000),
});
export type PersistenceOptions = z.output<typeof optionsSchema>;

interface State {
  quantiles: Record<QuantileKey, number>;
  pUp: number;
  n: number;
}

function model(state: State | undefined, o: PersistenceOptions): Model {
  return {
    fit(train) {
      const t = train.target;
      const start = Math.max(0, t.length - o.window);
      const sample = sortedFinite(t.subarray(start));
      if (sample.length < 20) {
        throw new ValidationError(`needs at least 20 rows with known targets, got ${sample.length}`, { plugin: 'persistence' });
      }
      const quantiles = {} as Record<QuantileKey, number>;
      for (const k of Object.keys(QUANTILE_LEVELS) as QuantileKey[]) quantiles[k] = quantileSorted(sample, QUANTILE_LEVELS[k]);
      let ups = 0;
      for (const y of sample) if (y > 0) ups++;
      state = { quantiles, pUp: smoothedRate(ups, sample.length), n: sample.length };
    },
    predict(input) {
      if (!state) throw new ValidationError('predict() called before fit()', { plugin: 'persistence' });
      const s = state;
      return Array.from(input.times, (): ReturnForecast => ({ point: 0, quantiles: { ...s.quantiles }, pUp: s.pUp }));
    },
    serialize(): SerializedModel {
      if (!state) throw new ValidationError('serialize() called before fit()', { plugin: 'persistence' });
      return { format: 'json', bytes: new TextEncoder().encode(JSON.stringify(state)) };
    },
  };
}

export default defineModel<PersistenceOptions>({
  name: 'persistence',
  apiVersion: 1,
  description: 'no-change forecast with a climatological band',
  optionsSchema,
  capabilities: { horizons: ['1h', '4h', '24h'], formats: ['json'], cheapRefit: true },
  inputs: () => [],
  create: (o) => model(undefined, o),
  load: (blob, o) => model(JSON.parse(new TextDecoder().decode(blob.bytes)) as State, o),
});
