/**
 * The global guards, over EVERY feature-set plugin the backend knows (BUILTIN_PLUGINS) plus the third-party
 * ones listed below: for each, on real bars and real observations (with honest publication times),
 *   1. no look-ahead: distorting every input after time T (bars, on-chain, macro, sentiment) changes no
 *      feature value at or before T;
 *   2. streaming equals batch: the incremental path fed bar by bar gives the batch numbers (1e-9).
 * A new plugin registered in plugins.ts is covered without anyone writing a test. Negative controls prove
 * the guard catches a leaking feature.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  alignedRow,
  alignInputs,
  createPluginContext,
  defineFeatureSet,
  toCandleFrame,
  type AnyPlugin,
  type FeatureSetDefinition,
} from '@satcast/core';
import { close, lookAheadViolations } from '@satcast/core/testing';
import { loadBtcHourly } from '@satcast/data';
import volumeZ from '@satcast/example-plugin-volume-z';
import { BUILTIN_PLUGINS } from '../src/plugins.js';
import { bundledObservations } from './bundled-observations.js';

/** Third-party feature sets checked beside the built-ins. */
const EXTRA: readonly AnyPlugin[] = [volumeZ];

// The whole bundled history: 68,869 bars with its 28 gaps, and every bundled observation series.
const candles = loadBtcHourly();
// Negative controls need only a short stretch.
const short = loadBtcHourly({ from: Date.UTC(2022, 0, 1), to: Date.UTC(2022, 3, 1) });
const featureSets = [...BUILTIN_PLUGINS, ...EXTRA].filter((p): p is FeatureSetDefinition<unknown> => p.kind === 'features');

describe('global feature guards', () => {
  it('covers every registered feature plugin', () => {
    expect(featureSets.map((p) => p.name)).toEqual(expect.arrayContaining(['ta', 'time', 'sentiment', 'onchain', 'macro', 'shock', 'volume-z']));
  });

  for (const plugin of featureSets) {
    describe(plugin.name, () => {
      const options = plugin.optionsSchema.parse({});
      const observations = bundledObservations(plugin.inputs);

      it('no feature value at or before T changes when all inputs after T are distorted', async () => {
        // T in 2020-11 and 2023-12: after T, prices, volumes and every observation published later are distorted.
        for (const cut of [Math.floor(candles.length * 0.4), Math.floor(candles.length * 0.8)]) {
          expect(await lookAheadViolations({ plugin, options, candles, observations, cut })).toEqual([]);
        }
        // Four batch runs over the whole history: the isolation forest (`shock`) refits ~400 forests per run.
      }, 300_000);

      it('incremental equals batch on every row after warm-up (relative 1e-9)', async () => {
        const fs = await plugin.create(options, createPluginContext());
        const frame = toCandleFrame(candles);
        const inputs = alignInputs(plugin.inputs, frame, observations);
        const batch = fs.batch(frame, inputs);
        const inc = fs.incremental();
        const start = plugin.lookback(options);
        const bad: string[] = [];
        candles.forEach((c, i) => {
          const row = inc.update(c, alignedRow(inputs, i));
          if (i < start) return;
          for (const [name, col] of Object.entries(batch)) {
            if (!close(row[name]!, col[i]!, 1e-9) && bad.length < 5) bad.push(`${name}[${i}]: ${row[name]} vs ${col[i]}`);
          }
        });
        expect(bad).toEqual([]);
      });
    });
  }
});

describe('the guard catches leaks (negative controls)', () => {
  const candleOnly = [{ kind: 'candles' as const, interval: '1h' as const }];
  it('a feature that reads the next bar fails', async () => {
    const leaky = defineFeatureSet({
      name: 'leaky-next-bar', apiVersion: 1, optionsSchema: z.object({}), inputs: candleOnly, publicationLag: 0, lookback: () => 1,
      features: () => [{ name: 'next_ret', description: 'log return of the NEXT bar (a leak)' }],
      create: () => ({
        batch: (f) => ({ next_ret: f.close.map((c, i) => (i + 1 < f.close.length ? Math.log(f.close[i + 1]! / c) : Number.NaN)) }),
        incremental: () => ({ update: () => ({ next_ret: Number.NaN }) }),
      }),
    });
    const v = await lookAheadViolations({ plugin: leaky, options: {}, candles: short });
    expect(v.length).toBeGreaterThan(0);
    expect(v[0]).toMatch(/next_ret\[\d+\] changed/);
  });

  it('a centred (two-sided) smoother fails', async () => {
    const centred = defineFeatureSet({
      name: 'leaky-centred', apiVersion: 1, optionsSchema: z.object({}), inputs: candleOnly, publicationLag: 0, lookback: () => 12,
      features: () => [{ name: 'centred_ma_dist', description: 'distance from a centred 25-bar MA (a leak)' }],
      create: () => ({
        batch: (f) => ({
          centred_ma_dist: f.close.map((c, i) => {
            const w = f.close.subarray(Math.max(0, i - 12), i + 13);
            return Math.log(c / (w.reduce((a, b) => a + b, 0) / w.length));
          }),
        }),
        incremental: () => ({ update: () => ({ centred_ma_dist: Number.NaN }) }),
      }),
    });
    expect((await lookAheadViolations({ plugin: centred, options: {}, candles: short })).length).toBeGreaterThan(0);
  });

  it('a feature that reads a later row of an aligned observation series fails', async () => {
    const leaky = defineFeatureSet({
      name: 'leaky-fng', apiVersion: 1, optionsSchema: z.object({}),
      inputs: [...candleOnly, { kind: 'observations' as const, source: 'fear-greed', series: 'fng' }], publicationLag: 0, lookback: () => 1,
      features: () => [{ name: 'fng_tomorrow', description: "tomorrow's index (a leak)" }],
      create: () => ({
        batch: (f, inputs) => ({ fng_tomorrow: f.close.map((_, i) => inputs!['fear-greed:fng']!.value[Math.min(i + 24, f.close.length - 1)]!) }),
        incremental: () => ({ update: () => ({ fng_tomorrow: Number.NaN }) }),
      }),
    });
    const observations = bundledObservations(leaky.inputs);
    expect((await lookAheadViolations({ plugin: leaky, options: {}, candles: short, observations })).length).toBeGreaterThan(0);
  });
});
