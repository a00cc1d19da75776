import type { Candle } from '../schemas/candle.js';
import type { Observation } from '../schemas/observation.js';
import { INTERVAL_MS, type Interval } from '../time.js';
import { seededRandom } from '../stats.js';

export { seededRandom };

/**
 * Return a copy of `candles` where every bar opened after `t` is distorted (prices scaled by a random
 * factor, volume replaced), keeping OHLC consistency. Used by look-ahead tests: nothing computed as of
 * a time <= t may change.
 */
export function perturbAfter(candles: readonly Candle[], t: number, seed = 7): Candle[] {
  const rnd = seededRandom(seed);
  return candles.map((c) => {
    if (c.openTime <= t) return { ...c };
    const f = 0.5 + rnd() * 1.5;
    const o = c.open * f;
    const cl = c.close * (0.5 + rnd() * 1.5);
    const hi = Math.max(o, cl) * (1 + rnd() * 0.05);
    const lo = Math.min(o, cl) * (1 - rnd() * 0.05);
    return { ...c, open: o, high: hi, low: lo, close: cl, volume: rnd() * 1000 };
  });
}

/** A float64 fingerprint of typed arrays, to prove a plugin did not mutate its inputs. */
export function fingerprint(arrays: Iterable<Float64Array>): number {
  let h = 0;
  for (const a of arrays) for (let i = 0; i < a.length; i++) h = (h * 31 + (Number.isNaN(a[i]!) ? 17 : a[i]!)) % 1e15;
  return h;
}

/** Whether candles are ascending, unique and on the interval grid; returns the first problem or null. */
export function candleSequenceProblem(candles: readonly Candle[], interval: Interval): string | null {
  for (let i = 0; i < candles.length; i++) {
    const c = candles[i]!;
    if (c.openTime % INTERVAL_MS[interval] !== 0) return `bar ${i} (${c.openTime}) is off the ${interval} grid`;
    if (i > 0 && c.openTime <= candles[i - 1]!.openTime) return `bar ${i} (${c.openTime}) is not after bar ${i - 1}`;
  }
  return null;
}

/** Relative/absolute closeness used for parity checks (NaN equals NaN). */
export function close(a: number, b: number, rel = 1e-9, abs = 1e-12): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  return Math.abs(a - b) <= Math.max(abs, rel * Math.max(Math.abs(a), Math.abs(b)));
}

/**
 * Copy of `observations` where every one published after `t` (availableAt > t) has its value distorted
 * (scaled by a random factor in [0.5, 2)). Those published at or before `t` are untouched: a point-in-time
 * feature as of a time <= t must not change. Distorting by publication time, not event time, also catches
 * a join that keys on eventTime and so reads a value before it was public.
 */
export function perturbObservationsAfter<O extends { availableAt: number; value: number }>(observations: readonly O[], t: number, seed = 11): O[] {
  const rnd = seededRandom(seed);
  return observations.map((o) => (o.availableAt <= t ? { ...o } : { ...o, value: o.value * (0.5 + rnd() * 1.5) + rnd() }));
}

/**
 * Observations of one series from dated rows, stamped `availableAt = eventTime + lagMs` (use the constants
 * in publication.ts), as a source plugin would emit them.
 */
export function observationsFrom(
  rows: readonly { ts: number; value: number }[],
  o: { source: string; series: string; lagMs: number },
): Observation[] {
  return rows.map((r) => ({ source: o.source, series: o.series, eventTime: r.ts, availableAt: r.ts + o.lagMs, value: r.value, schemaVersion: 1 }));
}
