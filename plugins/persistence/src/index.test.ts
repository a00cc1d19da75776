import { describe, expect, it } from 'vitest';
import { testModel } from '@satcast/core/testing';
import { createPluginContext, HORIZON_MS, HOUR, logReturnTargets, type Horizon } from '@satcast/core';
import { loadBtcHourly } from '@satcast/data';
import persistence from './index.js';

/** Real 2023 rows for training (targets known by the end of 2023) and Q1 2024 rows to score. */
function realSplit(horizon: Horizon) {
  const bars = loadBtcHourly({ from: Date.UTC(2023, 0, 1), to: Date.UTC(2024, 3, 2) });
  const openTime = bars.map((b) => b.openTime);
  const target = logReturnTargets(openTime, bars.map((b) => b.close), HORIZON_MS[horizon]);
  const cut = Date.UTC(2024, 0, 1);
  const asOf = Float64Array.from(openTime, (t) => t + HOUR);
  const nTrain = openTime.findIndex((t) => t >= cut);
  const trainTarget = target.slice(0, nTrain).map((y, i) => (asOf[i]! + HORIZON_MS[horizon] <= cut ? y : Number.NaN));
  const nTest = openTime.findIndex((t) => t >= Date.UTC(2024, 3, 1));
  return {
    train: { horizon, times: asOf.slice(0, nTrain), features: {}, target: trainTarget },
    test: { horizon, times: asOf.slice(nTrain, nTest), features: {}, target: target.slice(nTrain, nTest) },
  };
}

for (const horizon of ['1h', '4h', '24h'] as const) {
  const { train, test } = realSplit(horizon);
  testModel({
    plugin: persistence,
    options: {},
    train,
    test,
    additionalTests: (get) => {
      it('point forecast is exactly no change', () => {
        for (const f of get().forecasts) expect(f.point).toBe(0);
      });
    },
  });
}

describe('persistence: bad input', () => {
  it('refuses to fit on too little history', async () => {
    const m = await persistence.create({ window: 2000 }, createPluginContext());
    const target = new Float64Array(10).fill(0.001);
    expect(() => m.fit({ horizon: '1h', times: new Float64Array(10), features: {}, target })).toThrow(/at least 20 rows/);
  });
});
