import { describe, expect, it } from 'vitest';
import { robustZScores, validateCandidates, validateCandles, validateObservations } from './validate.js';
import { DAY, HOUR } from './time.js';
import { seededRandom } from './testing/fixtures.js';

const T0 = Date.UTC(2024, 0, 1);
const NOW = T0 + 100 * DAY;
const bar = (i: number, o: Partial<Record<'open' | 'high' | 'low' | 'close' | 'volume' | 'openTime', number>> = {}) => ({
  symbol: 'BTCUSDT',
  interval: '1h',
  openTime: T0 + i * HOUR,
  open: 100,
  high: 110,
  low: 90,
  close: 105,
  volume: 1,
  ...o,
});

describe('validateCandles', () => {
  it('accepts clean bars and rejects each kind of bad bar with a reason and the raw payload', () => {
    const rows = [
      bar(0),
      bar(1, { open: Number.NaN }),
      bar(2, { open: -5 }),
      bar(3, { high: 80 }),
      bar(4, { close: 200 }),
      bar(5),
      bar(5),
      bar(5, { close: 101 }),
      bar(4),
      bar(6, { openTime: T0 + 6 * HOUR + 1 }),
      bar(7, { openTime: NOW }),
      bar(8, { volume: -1 }),
      bar(9),
    ];
    const raw = rows.map((_, i) => `raw-${i}`);
    const { accepted, rejected } = validateCandles(rows, { source: 'binance', now: NOW, payloads: raw });
    expect(accepted.map((c) => c.openTime)).toEqual([T0, T0 + 5 * HOUR, T0 + 9 * HOUR]);
    const reasons = rejected.map((r) => r.reason);
    expect(reasons).toHaveLength(10);
    expect(reasons[0]).toMatch(/^open: .*got NaN/);
    expect(reasons[1]).toMatch(/^open: .*got -5/);
    expect(reasons[2]).toMatch(/high < low/);
    expect(reasons[3]).toMatch(/close outside \[low, high\]/);
    expect(reasons[4]).toBe(`duplicate openTime ${T0 + 5 * HOUR}`);
    expect(reasons[5]).toBe(`duplicate openTime ${T0 + 5 * HOUR} with different values`);
    expect(reasons[6]).toMatch(/out of order/);
    expect(reasons[7]).toMatch(/not on the 1h grid/);
    expect(reasons[8]).toMatch(/after now .*in progress or future/);
    expect(reasons[9]).toMatch(/^volume/);
    expect(rejected.map((r) => r.payload)).toEqual(['raw-1', 'raw-2', 'raw-3', 'raw-4', 'raw-6', 'raw-7', 'raw-8', 'raw-9', 'raw-10', 'raw-11']);
    for (const r of rejected) expect(r).toMatchObject({ source: 'binance', kind: 'candle', receivedAt: NOW });
  });

  it('flags a 3-sigma move but keeps the bar', () => {
    const rnd = seededRandom(3);
    let p = 100;
    const rows = Array.from({ length: 60 }, (_, i) => {
      const prev = p;
      p = i === 45 ? p * 1.3 : p * (1 + (rnd() - 0.5) * 0.01);
      return bar(i, { open: prev, close: p, high: Math.max(prev, p) * 1.001, low: Math.min(prev, p) * 0.999 });
    });
    const { accepted, anomalies } = validateCandles(rows, { source: 's', now: NOW });
    expect(accepted).toHaveLength(60);
    expect(anomalies.map((a) => a.index)).toContain(45);
    expect(anomalies.find((a) => a.index === 45)!.z).toBeGreaterThan(3);
    // The bar after the spike moves normally: not flagged.
    expect(anomalies.map((a) => a.index)).not.toContain(47);
  });
});

describe('validateObservations', () => {
  const obs = (d: number, value: number, o: Record<string, unknown> = {}) => ({
    source: 'fred',
    series: 'vix',
    eventTime: T0 + d * DAY,
    availableAt: T0 + d * DAY + 22 * HOUR,
    value,
    ...o,
  });

  it('rejects non-finite, availableAt before eventTime, future and duplicates; keeps revisions; sorts', () => {
    const rows = [
      obs(3, 14),
      obs(1, 12),
      obs(2, Number.NaN),
      obs(2, Number.POSITIVE_INFINITY),
      obs(4, 15, { availableAt: T0 + 4 * DAY - 1 }),
      obs(1, 12),
      obs(1, 12.5, { availableAt: T0 + 2 * DAY + 22 * HOUR }),
      obs(200, 20),
    ];
    const { accepted, rejected } = validateObservations(rows, { source: 'fred', now: NOW, anomaly: false });
    expect(accepted.map((o) => [o.eventTime, o.value])).toEqual([
      [T0 + DAY, 12],
      [T0 + DAY, 12.5],
      [T0 + 3 * DAY, 14],
    ]);
    expect(rejected.map((r) => r.reason)).toEqual([
      expect.stringMatching(/^value: .*got NaN/),
      expect.stringMatching(/^value: .*got Infinity/),
      expect.stringMatching(/^availableAt: availableAt must not precede eventTime/),
      `vix: duplicate eventTime ${T0 + DAY}`,
      expect.stringMatching(/vix: eventTime .* is in the future/),
    ]);
    expect(rejected[0]!.payload).toBe(rows[2]);
    expect(accepted.every((o) => o.schemaVersion === 1)).toBe(true);
  });

  it('flags anomalies per series with attrs.anomaly and never drops them', () => {
    const rnd = seededRandom(9);
    const rows = Array.from({ length: 50 }, (_, d) => obs(d, d === 40 ? 80 : 15 + rnd()));
    rows.push(...Array.from({ length: 50 }, (_, d) => obs(d, 4 + rnd() * 0.01, { series: 'us10y' })));
    const { accepted, anomalies } = validateObservations(rows, { source: 'fred', now: NOW, transform: (s) => (s === 'us10y' ? 'diff' : 'logReturn') });
    expect(accepted).toHaveLength(100);
    const flagged = accepted.filter((o) => o.attrs?.anomaly === true);
    expect(flagged.some((o) => o.series === 'vix' && o.eventTime === T0 + 40 * DAY)).toBe(true);
    expect(flagged.every((o) => typeof o.attrs!.anomalyZ === 'number' || o.attrs!.anomalyZ === null)).toBe(true);
    expect(anomalies.length).toBe(flagged.length);
    expect(flagged.length).toBeLessThan(10);
  });
});

describe('robustZScores', () => {
  it('is causal: changing a later value never changes an earlier score', () => {
    const rnd = seededRandom(5);
    const a = Array.from({ length: 80 }, () => 50 + rnd() * 10);
    const b = a.map((v, i) => (i > 60 ? v * 3 : v));
    const za = robustZScores(a, { window: 20, minPeriods: 5, transform: 'level' });
    const zb = robustZScores(b, { window: 20, minPeriods: 5, transform: 'level' });
    for (let i = 0; i <= 60; i++) expect(Object.is(za[i], zb[i])).toBe(true);
    expect(Number.isNaN(za[4]!)).toBe(true);
    expect(Number.isFinite(za[5]!)).toBe(true);
  });

  it('scores a jump out of a flat window as infinite and an unchanged value as 0', () => {
    const z = robustZScores([5, 5, 5, 5, 5, 5, 9], { window: 10, minPeriods: 3, transform: 'level' });
    expect(z[5]).toBe(0);
    expect(z[6]).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('validateObservations: range', () => {
  it('uses records outside the range as warm-up only, so a flag does not depend on the fetched range', () => {
    const rnd = seededRandom(2);
    const rows = Array.from({ length: 60 }, (_, d) => ({
      source: 'fear-greed',
      series: 'fng',
      eventTime: T0 + d * DAY,
      availableAt: T0 + d * DAY,
      value: d === 50 ? 95 : d === 55 ? Number.NaN : 40 + Math.round(rnd() * 4),
    }));
    const full = validateObservations(rows, { source: 'fear-greed', now: NOW, transform: 'diff' });
    const range = { from: T0 + 45 * DAY, to: T0 + 58 * DAY };
    const part = validateObservations(rows, { source: 'fear-greed', now: NOW, transform: 'diff', range });
    const expected = full.accepted.filter((o) => o.eventTime >= range.from && o.eventTime < range.to);
    expect(part.accepted).toEqual(expected);
    expect(part.accepted.find((o) => o.eventTime === T0 + 50 * DAY)!.attrs!.anomaly).toBe(true);
    expect(part.anomalies.map((a) => part.accepted[a.index]!.eventTime)).toEqual(part.accepted.filter((o) => o.attrs?.anomaly).map((o) => o.eventTime));
    expect(part.rejected).toHaveLength(1);
    const outside = validateObservations(rows, { source: 'fear-greed', now: NOW, range: { from: T0, to: T0 + 10 * DAY } });
    expect(outside.rejected).toHaveLength(0);
  });
});

describe('validateCandidates', () => {
  it('passes parse failures through as rejections (inside the range only) and validates the rest', () => {
    const rec = (d: number) => ({ source: 'x', series: 's', eventTime: T0 + d * DAY, availableAt: T0 + d * DAY, value: d });
    const out = validateCandidates(
      [
        { record: rec(1), payload: 'a' },
        { reason: 'value: not a number', payload: 'b', eventTime: T0 + 2 * DAY },
        { reason: 'timestamp missing', payload: 'c' },
        { reason: 'bad', payload: 'd', eventTime: T0 + 50 * DAY },
        { record: { ...rec(3), value: Number.NaN }, payload: 'e' },
      ],
      { source: 'x', now: NOW, range: { from: T0, to: T0 + 10 * DAY } },
    );
    expect(out.accepted.map((o) => o.value)).toEqual([1]);
    expect(out.rejected.map((r) => r.payload)).toEqual(['b', 'c', 'e']);
    expect(out.rejected.every((r) => r.source === 'x' && r.kind === 'observation')).toBe(true);
  });
});

describe('robustZScores: reference', () => {
  /** Obvious O(n w log w) version: sort the trailing window at every point. */
  function naive(v: number[], w: number, minP: number): number[] {
    const med = (a: number[]) => {
      const s = [...a].sort((x, y) => x - y);
      const m = s.length >> 1;
      return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
    };
    return v.map((x, i) => {
      const win = v.slice(Math.max(0, i - w), i);
      if (win.length < minP) return Number.NaN;
      const m = med(win);
      let scale = 1.4826 * med(win.map((q) => Math.abs(q - m)));
      if (scale === 0) scale = (1.2533 * win.reduce((s, q) => s + Math.abs(q - m), 0)) / win.length;
      return scale > 0 ? (x - m) / scale : x === m ? 0 : Math.sign(x - m) * Infinity;
    });
  }

  it('equals the naive rolling median/MAD on random data with ties, odd and even windows', () => {
    for (const [seed, w] of [[1, 30], [2, 7], [3, 8], [4, 1]] as const) {
      const rnd = seededRandom(seed);
      const v = Array.from({ length: 400 }, () => Math.round(rnd() * 20));
      const got = robustZScores(v, { window: w, minPeriods: Math.min(w, 3), transform: 'level' });
      const want = naive(v, w, Math.min(w, 3));
      want.forEach((x, i) => {
        if (Number.isFinite(x)) expect(got[i]).toBeCloseTo(x, 9);
        else expect(Object.is(got[i], x) || (Number.isNaN(got[i]!) && Number.isNaN(x))).toBe(true);
      });
    }
  });

  it('the fast observation path returns what the schema returns', () => {
    const rec = { source: 's', series: 'x', eventTime: T0, availableAt: T0, value: 1.5, attrs: { a: 'b', n: null }, extra: 'dropped' };
    const { accepted } = validateObservations([rec], { source: 's', now: NOW, anomaly: false });
    expect(accepted[0]).toEqual({ source: 's', series: 'x', eventTime: T0, availableAt: T0, value: 1.5, attrs: { a: 'b', n: null }, schemaVersion: 1 });
    expect(validateObservations([{ ...rec, attrs: { nested: {} } }], { source: 's', now: NOW }).rejected[0]!.reason).toMatch(/^attrs/);
    expect(validateObservations([{ ...rec, eventTime: 1.5, availableAt: 2 }], { source: 's', now: NOW }).rejected[0]!.reason).toMatch(/^eventTime/);
  });
});
