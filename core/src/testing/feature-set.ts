import { beforeAll, describe, expect } from 'vitest';
import { toCandleFrame, type Candle, type CandleFrame } from '../schemas/candle.js';
import { FeatureInfoSchema } from '../schemas/feature.js';
import { PLUGIN_NAME_RE } from '../plugins/common.js';
import { createPluginContext } from '../plugins/context.js';
import type { FeatureColumns, FeatureSet, FeatureSetDefinition } from '../plugins/feature-set.js';
import { checkFeatureOutput } from '../plugins/host.js';
import { close, fingerprint, perturbAfter } from './fixtures.js';
import { caseFor, type SuiteOptions } from './suite.js';

export interface FeatureSetSuiteContext<O> {
  features: FeatureSet;
  options: O;
  frame: CandleFrame;
  batch: FeatureColumns;
}

export interface FeatureSetSuiteOptions<O> extends SuiteOptions<FeatureSetSuiteContext<O>> {
  plugin: FeatureSetDefinition<O>;
  options: unknown;
  /** Real, ascending candles; at least 3x the lookback. */
  candles: readonly Candle[];
  /** Relative tolerance for incremental vs batch parity after warm-up. */
  tolerance?: number;
}

/**
 * The feature-set contract: declared names match output, incremental equals batch, no look-ahead,
 * inputs untouched, values defined after warm-up.
 */
export function testFeatureSet<O>(opts: FeatureSetSuiteOptions<O>): void {
  const { plugin: def } = opts;
  const test = caseFor(opts.skip);
  const tol = opts.tolerance ?? 1e-9;
  let options: O;
  let fs: FeatureSet;
  let frame: CandleFrame;
  let batch: FeatureColumns;
  let names: string[];

  describe(`feature set contract: ${def.name}`, () => {
    beforeAll(async () => {
      options = def.optionsSchema.parse(opts.options);
      fs = await def.create(options, createPluginContext());
      frame = toCandleFrame(opts.candles);
      batch = fs.batch(frame);
      names = def.features(options).map((f) => f.name);
    });

    test('definition is well formed', () => {
      expect(def.kind).toBe('features');
      expect(def.name).toMatch(PLUGIN_NAME_RE);
      expect(def.apiVersion).toBe(1);
      expect(def.inputs.length).toBeGreaterThan(0);
      expect(def.lookback(options)).toBeGreaterThanOrEqual(1);
      expect(opts.candles.length).toBeGreaterThanOrEqual(3 * def.lookback(options));
      const infos = def.features(options);
      expect(infos.length).toBeGreaterThan(0);
      for (const f of infos) expect(FeatureInfoSchema.safeParse(f).success, f.name).toBe(true);
      expect(new Set(names).size).toBe(names.length);
    });

    test('batch returns exactly the declared features, one value per input row', () => {
      expect(() => checkFeatureOutput(def, options, frame, batch)).not.toThrow();
    });

    test('values are finite after warm-up', () => {
      const start = def.lookback(options);
      for (const name of names) {
        const col = batch[name]!;
        let bad = 0;
        for (let i = start; i < col.length; i++) if (!Number.isFinite(col[i]!)) bad++;
        // Real data has gaps and zero-volume bars; allow a tiny share of undefined values, never a column of them.
        expect(bad / Math.max(1, col.length - start), `${name}: ${bad} non-finite values`).toBeLessThan(0.001);
      }
    });

    test('batch does not mutate its input', () => {
      const f2 = toCandleFrame(opts.candles);
      const before = fingerprint([f2.open, f2.high, f2.low, f2.close, f2.volume, f2.openTime]);
      fs.batch(f2);
      expect(fingerprint([f2.open, f2.high, f2.low, f2.close, f2.volume, f2.openTime])).toBe(before);
    });

    test('incremental equals batch after warm-up', () => {
      const inc = fs.incremental();
      const start = def.lookback(options);
      const mismatches: string[] = [];
      opts.candles.forEach((c, i) => {
        const row = inc.update(c);
        if (i < start) return;
        for (const name of names) {
          const a = row[name];
          const b = batch[name]![i]!;
          if (a === undefined || !close(a, b, tol)) {
            if (mismatches.length < 5) mismatches.push(`${name}[${i}]: incremental ${a} vs batch ${b}`);
          }
        }
      });
      expect(mismatches).toEqual([]);
    });

    test('no look-ahead: perturbing bars after T leaves every value at or before T unchanged', () => {
      const n = opts.candles.length;
      const cut = Math.floor(n * 0.6);
      const t = opts.candles[cut]!.openTime;
      const perturbed = fs.batch(toCandleFrame(perturbAfter(opts.candles, t)));
      for (const name of names) {
        for (let i = 0; i <= cut; i++) {
          const a = batch[name]![i]!;
          const b = perturbed[name]![i]!;
          if (!(Object.is(a, b) || a === b)) {
            expect.fail(`${name}[${i}] changed from ${a} to ${b} when only data after row ${cut} changed`);
          }
        }
      }
    });

    opts.additionalTests?.(() => ({ features: fs, options, frame, batch }));
  });
}
