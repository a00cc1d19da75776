/**
 * Point-in-time join of observations onto bar rows. Row i is "as of" the close of its bar
 * (openTime + interval); it sees, per series, the observation with the greatest eventTime among those
 * with `availableAt <= asOf` (the latest revision of it that was public then), forward-filled, with its
 * age (`asOf - eventTime`) so staleness is a feature of its own. Before a series' first publication the
 * value and age are NaN. The host does this join; feature sets receive the aligned columns and can never
 * see an observation before its publication. Runtime-neutral (no Node APIs).
 */
import type { CandleFrame } from './schemas/candle.js';
import type { Observation } from './schemas/observation.js';
import { INTERVAL_MS } from './time.js';

/** One observation series aligned to a frame's rows. */
export interface AlignedSeries {
  value: Float64Array;
  /** asOf - eventTime of the observation used, ms (NaN before the first publication). */
  ageMs: Float64Array;
}

/** Aligned series keyed by `observationKey(source, series)`. */
export type AlignedInputs = Record<string, AlignedSeries>;

/** The same values for one row (the incremental form). */
export type AlignedRow = Record<string, { value: number; ageMs: number }>;

type Obs = Pick<Observation, 'eventTime' | 'availableAt' | 'value'>;

/** Key of an observation input: `source:series`. */
export function observationKey(source: string, series: string): string {
  return `${source}:${series}`;
}

/** asOf time of each row: the bar's close (openTime + interval). */
export function rowAsOf(frame: CandleFrame): Float64Array {
  const step = INTERVAL_MS[frame.interval];
  return frame.openTime.map((t) => t + step);
}

/** Order by publication, then eventTime: the order in which a live reader would learn them. */
function byAvailability(a: Obs, b: Obs): number {
  return a.availableAt - b.availableAt || a.eventTime - b.eventTime;
}

/**
 * Streaming point-in-time reader for one series: `add` observations as they arrive, `at(t)` for
 * non-decreasing t. Used by the live pipeline; `alignObservations` is the same logic over a whole frame.
 * @example
 * const cur = new PitCursor(); cur.add(obs); const { value, ageMs } = cur.at(bar.openTime + HOUR);
 */
export class PitCursor {
  private pending: Obs[] = [];
  private best: Obs | undefined;
  private lastT = -Infinity;

  add(obs: readonly Obs[]): void {
    if (!obs.length) return;
    this.pending.push(...obs);
    this.pending.sort(byAvailability);
  }

  at(t: number): { value: number; ageMs: number } {
    if (t < this.lastT) throw new RangeError(`PitCursor.at(${t}) after at(${this.lastT}): times must not decrease`);
    this.lastT = t;
    let k = 0;
    while (k < this.pending.length && this.pending[k]!.availableAt <= t) {
      const o = this.pending[k++]!;
      const b = this.best;
      // Newer period wins; for the same period the later revision wins. Late revisions of older periods
      // do not replace a newer period's value.
      if (!b || o.eventTime > b.eventTime || (o.eventTime === b.eventTime && o.availableAt >= b.availableAt)) this.best = o;
    }
    if (k) this.pending.splice(0, k);
    return this.best ? { value: this.best.value, ageMs: t - this.best.eventTime } : { value: Number.NaN, ageMs: Number.NaN };
  }
}

/**
 * Align one series to ascending `asOf` times. Pass a cursor to keep it for the live path afterwards: it
 * is then positioned at the last row and continues with `add` / `at`.
 * @example
 * const fng = alignObservations(observations, rowAsOf(frame)); // fng.value[i] as public at row i's close
 */
export function alignObservations(obs: readonly Obs[], asOf: ArrayLike<number>, cur = new PitCursor()): AlignedSeries {
  const n = asOf.length;
  const out: AlignedSeries = { value: new Float64Array(n), ageMs: new Float64Array(n) };
  cur.add(obs);
  for (let i = 0; i < n; i++) {
    const r = cur.at(asOf[i]!);
    out.value[i] = r.value;
    out.ageMs[i] = r.ageMs;
  }
  return out;
}

/**
 * Align every declared observation input of a feature set. `observations` may hold any series; those not
 * declared are ignored, declared ones with no rows come out all-NaN (missing, never invented).
 */
export function alignInputs(
  inputs: readonly { kind: string; source?: string; series?: string }[],
  frame: CandleFrame,
  observations: readonly Observation[],
): AlignedInputs {
  const asOf = rowAsOf(frame);
  const groups = new Map<string, Observation[]>();
  for (const inp of inputs) if (inp.kind === 'observations') groups.set(observationKey(inp.source!, inp.series!), []);
  for (const o of observations) groups.get(observationKey(o.source, o.series))?.push(o);
  const out: AlignedInputs = {};
  for (const [key, obs] of groups) out[key] = alignObservations(obs, asOf);
  return out;
}

/** Row `i` of aligned inputs, as the host passes it to `update(candle, row)`. */
export function alignedRow(inputs: AlignedInputs, i: number): AlignedRow {
  const row: AlignedRow = {};
  for (const [key, s] of Object.entries(inputs)) row[key] = { value: s.value[i]!, ageMs: s.ageMs[i]! };
  return row;
}
