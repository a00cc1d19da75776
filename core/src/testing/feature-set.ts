import { beforeAll, describe, expect } from 'vitest';
import { toCandleFrame, type Candle, type CandleFrame } from '../schemas/candle.js';
import { FeatureInfoSchema } from '../schemas/feature.js';
import { PLUGIN_NAME_RE } from '../plugins/common.js';
import { createPluginContext } from '../plugins/context.js';
import type { FeatureColumns, FeatureSet, FeatureSetDefinition } from '../plugins/feature-set.js';
import { checkFeatureOutput } from '../plugins/host.js';
import { alignInputs, alignedRow, observationKey, type AlignedInputs } from '../pit.js';
import type { Observation } from '../schemas/observation.js';
import { TARGET_PREFIX } from '../targets.js';
import { close, fingerprint } from './fixtures.js';
import { lookAheadViolations } from './lookahead.js';
import { caseFor, type SuiteOptions } from './suite.js';

export interface FeatureSetSuiteContext<O> {
  features: FeatureSet;
  options: O;
  frame: CandleFrame;
  batch: FeatureColumns;
  /** The point-in-time inputs the suite gave `batch` (empty for candle-only sets). */
  inputs: AlignedInputs;
}

export interface FeatureSetSuiteOptions<O> extends SuiteOptions<FeatureSetSuiteContext<O>> {
  plugin: FeatureSetDefinition<O>;
  options: unknown;
  /** Real, ascending candles; at least 3x the lookback. */
  candles: readonly Candle[];
  /**
   * Observations for the set's declared `observations` inputs, with honest `availableAt` (see
   * publication.ts). The suite joins them point-in-time exactly as the host does.
   */
  observations?: readonly Observation[];
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
  let inputs: AlignedInputs;

  describe(`feature set contract: ${def.name}`, () => {
    beforeAll(async () => {
      options = def.optionsSchema.parse(opts.options);
      fs = await def.create(options, createPluginContext());
      frame = toCandleFrame(opts.candles);
      inputs = alignInputs(def.inputs, frame, opts.observations ?? []);
      batch = fs.batch(frame, inputs);
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
      // Targets are built by core's target functions only, never by a feature.
      expect(names.filter((n) => n.startsWith(TARGET_PREFIX))).toEqual([]);
      // Every observation series the declared features read must be given (a set may declare more inputs
      // than these options use, e.g. an optional series).
      const read = new Set(infos.flatMap((f) => f.inputs ?? []));
      for (const inp of def.inputs) {
        if (inp.kind !== 'observations') continue;
        const key = observationKey(inp.source, inp.series);
        if (read.size && !read.has(key)) continue;
        expect(opts.observations?.some((o) => o.source === inp.source && o.series === inp.series), `no observations given for ${key}`).toBe(true);
      }
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
      const in2 = alignInputs(def.inputs, f2, opts.observations ?? []);
      const arrays = () => [f2.open, f2.high, f2.low, f2.close, f2.volume, f2.openTime, ...Object.values(in2).flatMap((s) => [s.value, s.ageMs])];
      const before = fingerprint(arrays());
      fs.batch(f2, in2);
      expect(fingerprint(arrays())).toBe(before);
    });

    test('incremental equals batch after warm-up', () => {
      const inc = fs.incremental();
      const start = def.lookback(options);
      const mismatches: string[] = [];
      const hasObs = Object.keys(inputs).length > 0;
      opts.candles.forEach((c, i) => {
        const row = hasObs ? inc.update(c, alignedRow(inputs, i)) : inc.update(c);
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

    test('no look-ahead: perturbing bars and observations after T leaves every value at or before T unchanged', async () => {
      const violations = await lookAheadViolations({ plugin: def, options, candles: opts.candles, observations: opts.observations });
      expect(violations).toEqual([]);
    });

    opts.additionalTests?.(() => ({ features: fs, options, frame, batch, inputs }));
  });
}
