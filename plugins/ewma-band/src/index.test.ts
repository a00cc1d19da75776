import { describe, expect, it } from 'vitest';
import { testModel, scoreReturnForecasts } from '@satcast/core/testing';
import { createPluginContext, HORIZON_MS, HOUR, logReturnTargets, type Horizon } from '@satcast/core';
import { loadBtcHourly } from '@satcast/data';
import band from './index.js';

/**
 * Real hourly rows with the two inputs the band reads, computed here from their definitions (the ta
 * plugin computes the same in production; plugins do not import each other).
 */
function realRows(from: number, to: number, horizon: Horizon) {
  const bars = loadBtcHourly({ from, to });
  const n = bars.length;
  const vol = new Float64Array(n).fill(Number.NaN);
  const drift = new Float64Array(n).fill(Number.NaN);
  let v = Number.NaN;
  for (let i = 1; i < n; i++) {
    const r = Math.log(bars[i]!.close / bars[i - 1]!.close);
    v = i === 1 ? r * r : 0.97 * v + 0.03 * r * r;
    vol[i] = Math.sqrt(v);
    if (i >= 24) drift[i] = Math.log(bars[i]!.close / bars[i - 24]!.close);
  }
  const openTime = bars.map((b) => b.openTime);
  const target = logReturnTargets(openTime, bars.map((b) => b.close), HORIZON_MS[horizon]);
  return { times: Float64Array.from(openTime, (t) => t + HOUR), features: { ewma_vol: vol, logret_24: drift }, target };
}

function split(horizon: Horizon, trainFrom: number, cut: number, testTo: number) {
  const rows = realRows(trainFrom, testTo, horizon);
  const nTrain = rows.times.findIndex((t) => t > cut);
  const slice = (a: Float64Array, s: number, e?: number) => a.slice(s, e);
  const trainTarget = slice(rows.target, 0, nTrain).map((y, i) => (rows.times[i]! + HORIZON_MS[horizon] <= cut ? y : Number.NaN));
  const pick = (s: number, e?: number) => ({
    ewma_vol: slice(rows.features.ewma_vol, s, e),
    logret_24: slice(rows.features.logret_24, s, e),
  });
  return {
    train: { horizon, times: slice(rows.times, 0, nTrain), features: pick(0, nTrain), target: trainTarget },
    test: { horizon, times: slice(rows.times, nTrain), features: pick(nTrain), target: slice(rows.target, nTrain) },
  };
}

for (const horizon of ['1h', '4h', '24h'] as const) {
  const { train, test } = split(horizon, Date.UTC(2023, 6, 1), Date.UTC(2024, 0, 1), Date.UTC(2024, 2, 1));
  testModel({ plugin: band, options: {}, train, test });
}

describe('ewma-band: behaviour on real data', () => {
  it('its 1h band is narrower in calm hours than in wild ones (it tracks volatility)', async () => {
    const { train, test } = split('1h', Date.UTC(2019, 6, 1), Date.UTC(2020, 1, 1), Date.UTC(2020, 3, 1));
    const m = await band.create(band.optionsSchema.parse({}), createPluginContext());
    m.fit(train);
    const f = await m.predict(test);
    const width = f.map((x) => x.quantiles.p95 - x.quantiles.p05);
    const feb = width.slice(0, 24 * 20);
    const crash = width.slice(test.times.findIndex((t) => t >= Date.UTC(2020, 2, 13)), test.times.findIndex((t) => t >= Date.UTC(2020, 2, 20)));
    const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
    expect(mean(crash)).toBeGreaterThan(2 * mean(feb));
  });

  it('pUp stays a calibrated rate near a coin flip (no fake certainty)', async () => {
    const { train, test } = split('24h', Date.UTC(2022, 0, 1), Date.UTC(2023, 0, 1), Date.UTC(2023, 6, 1));
    const m = await band.create(band.optionsSchema.parse({}), createPluginContext());
    m.fit(train);
    const f = await m.predict(test);
    for (const x of f) expect(Math.abs(x.pUp - 0.5)).toBeLessThan(0.15);
    const s = scoreReturnForecasts(f, test.target);
    expect(s.coverage90).toBeGreaterThan(0.75);
  });

  it('names a missing input feature', async () => {
    const m = await band.create(band.optionsSchema.parse({ volFeature: 'nope' }), createPluginContext());
    const { train } = split('1h', Date.UTC(2023, 0, 1), Date.UTC(2023, 2, 1), Date.UTC(2023, 3, 1));
    expect(() => m.fit(train)).toThrow(/missing input feature "nope"/);
  });
});
