import { describe, expect, it } from 'vitest';
import { scoreReturnForecasts, testModel } from '@satcast/core/testing';
import { createPluginContext } from '@satcast/core';
import linear, { huber, ridge } from './index.js';
import { split } from './test-rows.js';

const FROM = Date.UTC(2023, 0, 1);
const CUT = Date.UTC(2024, 0, 1);
const TO = Date.UTC(2024, 2, 1);

for (const plugin of [ridge, huber]) {
  for (const horizon of ['1h', '4h', '24h'] as const) {
    const { train, test } = await split(horizon, FROM, CUT, TO);
    testModel({
      plugin,
      options: {},
      train,
      test,
      additionalTests: (ctx) => {
        it('its 90% band covers 80-97% of the two test months (calibrated, not just valid)', () => {
          const s = scoreReturnForecasts(ctx().forecasts, test.target);
          expect(s.coverage90).toBeGreaterThan(0.8);
          expect(s.coverage90).toBeLessThan(0.97);
        });
        it('pUp stays an honest rate near a coin flip, scored no worse than one (Brier)', () => {
          const f = ctx().forecasts;
          let brier = 0, n = 0, spread = 0;
          f.forEach((x, i) => {
            const y = test.target[i]!;
            if (!Number.isFinite(y)) return;
            n++;
            brier += (x.pUp - (y > 0 ? 1 : 0)) ** 2;
            spread += Math.abs(x.pUp - 0.5);
          });
          expect(Math.max(...f.map((x) => Math.abs(x.pUp - 0.5)))).toBeLessThan(0.25);
          expect(spread / n).toBeLessThan(0.1);
          // A coin flip scores 0.25; a miscalibrated (overconfident) pUp scores worse.
          expect(brier / n).toBeLessThan(0.26);
        });
      },
    });
  }
}

describe('plugin-linear: definitions', () => {
  it('default-exports both model plugins; ridge refits per bar, huber is trained and served', () => {
    expect(linear.map((p) => p.name)).toEqual(['ridge', 'huber']);
    expect(linear.every((p) => p.kind === 'model')).toBe(true);
    expect(ridge.capabilities).toEqual({ horizons: ['1h', '4h', '24h'], formats: ['onnx'], cheapRefit: false });
    expect(huber.capabilities.cheapRefit).toBe(false);
  });

  it('reads the default ta features plus the volatility feature once', () => {
    const o = ridge.optionsSchema.parse({});
    expect(ridge.inputs(o)).toEqual(['logret_1', 'logret_4', 'logret_24', 'logret_168', 'rsi_14', 'ewma_vol', 'vol_ratio_24_168']);
    expect(huber.inputs(huber.optionsSchema.parse({ inputs: ['rsi_14'], volFeature: 'rv_24' }))).toEqual(['rsi_14', 'rv_24']);
  });

  it('options are strict and checked', () => {
    expect(() => ridge.optionsSchema.parse({ alpah: 1 })).toThrow();
    expect(() => ridge.optionsSchema.parse({ delta: 1 })).toThrow();
    expect(() => huber.optionsSchema.parse({ delta: 0 })).toThrow();
    expect(huber.optionsSchema.parse({}).delta).toBe(1.345);
  });

  it('names a missing input feature', async () => {
    const { train } = await split('1h', FROM, CUT, TO);
    const m = await ridge.create(ridge.optionsSchema.parse({ inputs: ['nope'] }), createPluginContext());
    expect(() => m.fit(train)).toThrow(/\[ridge\] missing input feature "nope"/);
  });
});
