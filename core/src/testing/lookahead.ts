/**
 * The look-ahead guard as a reusable function: run a feature set's batch over the data as given and over a
 * copy where every input after time T is distorted (bars opened after T, observations published after
 * the close of the bar at T), and report every value at or before T that changed. Used by
 * `testFeatureSet` for one plugin and by the backend's global guard over every registered plugin, so a
 * new leaking feature fails without anyone writing a new test.
 */
import { toCandleFrame, type Candle } from '../schemas/candle.js';
import type { Observation } from '../schemas/observation.js';
import type { FeatureSetDefinition } from '../plugins/feature-set.js';
import { createPluginContext } from '../plugins/context.js';
import { alignInputs } from '../pit.js';
import { INTERVAL_MS } from '../time.js';
import { perturbAfter, perturbObservationsAfter } from './fixtures.js';

export interface LookAheadCheck<O> {
  plugin: FeatureSetDefinition<O>;
  /** Parsed options. */
  options: O;
  candles: readonly Candle[];
  observations?: readonly Observation[];
  /** Row index T: rows 0..cut must not change. Default 60 % of the rows. */
  cut?: number;
  seed?: number;
}

/** Returns up to `max` human-readable violations (empty when the set is point-in-time). */
export async function lookAheadViolations<O>(check: LookAheadCheck<O>, max = 10): Promise<string[]> {
  const { plugin: def, options, candles } = check;
  const obs = check.observations ?? [];
  const n = candles.length;
  const cut = check.cut ?? Math.floor(n * 0.6);
  const t = candles[cut]!.openTime;
  const asOfCut = t + INTERVAL_MS[candles[cut]!.interval];
  const fs = await def.create(options, createPluginContext());
  const run = (cs: readonly Candle[], os: readonly Observation[]) => {
    const frame = toCandleFrame(cs);
    return fs.batch(frame, alignInputs(def.inputs, frame, os));
  };
  const base = run(candles, obs);
  const moved = run(perturbAfter(candles, t, check.seed), perturbObservationsAfter(obs, asOfCut, check.seed));
  const out: string[] = [];
  for (const name of Object.keys(base)) {
    const a = base[name]!;
    const b = moved[name];
    for (let i = 0; i <= cut; i++) {
      if (!b || !(Object.is(a[i], b[i]) || a[i] === b[i])) {
        out.push(`${def.name}/${name}[${i}] changed from ${a[i]} to ${b?.[i]} when only data after row ${cut} changed`);
        break;
      }
    }
    if (out.length >= max) break;
  }
  return out;
}
