import { describe, expect, it } from 'vitest';
import { alignObservations, alignInputs, PitCursor, rowAsOf } from './pit.js';
import { toCandleFrame, type Candle } from './schemas/candle.js';
import { seededRandom, perturbObservationsAfter } from './testing/fixtures.js';
import { DAY, HOUR } from './time.js';
import { COINMETRICS_LAG_MS, FNG_LAG_MS, MACRO_LAG_MS } from './publication.js';

type O = { eventTime: number; availableAt: number; value: number };

/** Reference: scan everything at every time (obviously correct, O(n * m)). */
function naive(obs: readonly O[], t: number): { value: number; ageMs: number } {
  let best: O | undefined;
  for (const o of obs) {
    if (o.availableAt > t) continue;
    if (!best || o.eventTime > best.eventTime || (o.eventTime === best.eventTime && o.availableAt >= best.availableAt)) best = o;
  }
  return best ? { value: best.value, ageMs: t - best.eventTime } : { value: Number.NaN, ageMs: Number.NaN };
}

function randomObservations(seed: number, n: number): O[] {
  const rnd = seededRandom(seed);
  const out: O[] = [];
  for (let d = 0; d < n; d++) {
    const eventTime = d * DAY;
    if (rnd() < 0.1) continue; // missing days
    const availableAt = eventTime + Math.floor(rnd() * 3 * DAY);
    out.push({ eventTime, availableAt, value: rnd() * 100 });
    // Sometimes a later revision of the same day.
    if (rnd() < 0.2) out.push({ eventTime, availableAt: availableAt + Math.floor(rnd() * 5 * DAY), value: rnd() * 100 });
  }
  return out.sort(() => rnd() - 0.5);
}

describe('point-in-time join', () => {
  it('matches a brute-force reference with revisions, late publications and missing days', () => {
    for (const seed of [1, 2, 3]) {
      const obs = randomObservations(seed, 120);
      const times = Array.from({ length: 120 * 24 }, (_, i) => i * HOUR);
      const got = alignObservations(obs, times);
      times.forEach((t, i) => {
        const ref = naive(obs, t);
        expect(Object.is(got.value[i], ref.value) || got.value[i] === ref.value, `value at ${i}`).toBe(true);
        expect(Object.is(got.ageMs[i], ref.ageMs) || got.ageMs[i] === ref.ageMs, `age at ${i}`).toBe(true);
      });
    }
  });

  it('a value enters a row only once published: never at availableAt - 1, always at availableAt', () => {
    const obs = [{ eventTime: 0, availableAt: DAY + 6 * HOUR, value: 42 }];
    const a = alignObservations(obs, [DAY + 6 * HOUR - 1, DAY + 6 * HOUR, 3 * DAY]);
    expect(a.value[0]).toBeNaN();
    expect(a.value[1]).toBe(42);
    expect(a.ageMs[1]).toBe(DAY + 6 * HOUR);
    expect(a.value[2]).toBe(42); // forward-filled, staleness grows
    expect(a.ageMs[2]).toBe(3 * DAY);
  });

  it('perturbing observations published after T leaves every row as of <= T unchanged', () => {
    const obs = randomObservations(9, 200);
    const times = Array.from({ length: 200 * 24 }, (_, i) => i * HOUR);
    const cut = 2500;
    const a = alignObservations(obs, times);
    const b = alignObservations(perturbObservationsAfter(obs, times[cut]!), times);
    for (let i = 0; i <= cut; i++) expect(Object.is(a.value[i], b.value[i]) || a.value[i] === b.value[i]).toBe(true);
    let changed = 0;
    for (let i = cut + 1; i < times.length; i++) if (a.value[i] !== b.value[i]) changed++;
    expect(changed).toBeGreaterThan(0); // the perturbation is real
  });

  it('the streaming cursor gives the same rows as the batch join and refuses to go back in time', () => {
    const obs = randomObservations(4, 60);
    const times = Array.from({ length: 60 * 24 }, (_, i) => i * HOUR);
    const batch = alignObservations(obs, times);
    const cur = new PitCursor();
    times.forEach((t, i) => {
      // Feed observations as a live reader would: those published since the previous row.
      cur.add(obs.filter((o) => o.availableAt > (i ? times[i - 1]! : -1) && o.availableAt <= t));
      const r = cur.at(t);
      expect(Object.is(r.value, batch.value[i]) || r.value === batch.value[i]).toBe(true);
    });
    expect(() => cur.at(0)).toThrow(/must not decrease/);
  });

  it('aligns declared inputs by source:series to bar closes; undeclared series are ignored', () => {
    const candles: Candle[] = [0, 1, 2].map((k) => ({ symbol: 'X', interval: '1h', openTime: DAY + k * HOUR, open: 1, high: 1, low: 1, close: 1, volume: 1 }));
    const frame = toCandleFrame(candles);
    expect(Array.from(rowAsOf(frame))).toEqual([DAY + HOUR, DAY + 2 * HOUR, DAY + 3 * HOUR]);
    const mk = (series: string, availableAt: number, value: number) => ({ source: 's', series, eventTime: 0, availableAt, value, schemaVersion: 1 });
    const inputs = alignInputs([{ kind: 'candles' }, { kind: 'observations', source: 's', series: 'a' }], frame, [mk('a', DAY + 2 * HOUR, 5), mk('b', 0, 1)]);
    expect(Object.keys(inputs)).toEqual(['s:a']);
    expect(Array.from(inputs['s:a']!.value)).toEqual([Number.NaN, 5, 5]);
  });

  it('publication lags are the documented ones', () => {
    expect(FNG_LAG_MS).toBe(0);
    expect(COINMETRICS_LAG_MS).toBe(30 * HOUR);
    expect(MACRO_LAG_MS).toBe(22 * HOUR);
  });
});
