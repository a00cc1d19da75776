import { describe, expect, it } from 'vitest';
import { CandleSchema } from './schemas/candle.js';
import { ObservationSchema } from './schemas/observation.js';
import { PredictionSchema } from './schemas/prediction.js';
import { parseTime } from './time.js';
import { logReturnTargets } from './targets.js';
import { scorePrediction } from './scoring.js';
import { quantileSelect, quantileSorted, seededRandom, selectInPlace, smoothedRate } from './stats.js';

// 2024-07-01T00:00Z, a real BTCUSDT hourly bar.
const bar = { symbol: 'BTCUSDT', interval: '1h' as const, openTime: 1_719_792_000_000, open: 62_678.01, high: 62_950, low: 62_600.5, close: 62_880.12, volume: 512.3 };
const pred = {
  asset: 'BTCUSDT', horizon: '1h' as const, issuedAt: 1_719_795_600_000, targetTime: 1_719_799_200_000, lastPrice: 62_880.12,
  point: 62_890, quantiles: { p05: 62_500, p25: 62_750, p50: 62_890, p75: 63_000, p95: 63_250 }, pUp: 0.52, confidence: 0.52,
  conservative: true, modelVersion: 'ewma-band@1', metadata: {},
};

describe('schemas', () => {
  it('accepts a real candle and rejects impossible ones with the field', () => {
    expect(CandleSchema.safeParse(bar).success).toBe(true);
    const issues = (x: object) => CandleSchema.safeParse({ ...bar, ...x }).error?.issues.map((i) => i.path.join('.'));
    expect(issues({ high: 62_500 })).toContain('high');
    expect(issues({ openTime: bar.openTime + 60_000 })).toEqual(['openTime']);
    expect(issues({ open: -1 })).toContain('open');
    expect(issues({ volume: Number.NaN })).toContain('volume');
  });

  it('rejects crossing quantiles and a target not after issue', () => {
    expect(PredictionSchema.safeParse(pred).success).toBe(true);
    expect(PredictionSchema.safeParse({ ...pred, quantiles: { ...pred.quantiles, p25: 62_400 } }).success).toBe(false);
    expect(PredictionSchema.safeParse({ ...pred, targetTime: pred.issuedAt }).error?.issues[0]!.path).toEqual(['targetTime']);
  });

  it('rejects an observation public before its period', () => {
    const o = { source: 'fear-greed', series: 'fng', eventTime: 1_719_792_000_000, availableAt: 1_719_792_000_000, value: 73 };
    expect(ObservationSchema.parse(o).schemaVersion).toBe(1);
    expect(ObservationSchema.safeParse({ ...o, availableAt: o.eventTime - 1 }).error?.issues[0]!.path).toEqual(['availableAt']);
  });
});

describe('time, targets, scoring, stats', () => {
  it('parses ISO dates, date-times and epoch ms, and refuses garbage', () => {
    expect(parseTime('2024-01-31')).toBe(Date.UTC(2024, 0, 31));
    expect(parseTime('2024-01-31T10:00')).toBe(Date.UTC(2024, 0, 31, 10));
    expect(parseTime('2024-01-31T10:00:00+02:00')).toBe(Date.UTC(2024, 0, 31, 8));
    expect(parseTime('1719792000000')).toBe(1_719_792_000_000);
    expect(parseTime('yesterday')).toBeUndefined();
    expect(parseTime('2024-13-45')).toBeUndefined();
  });

  it('builds targets only across existing bars, never bridging gaps', () => {
    const H = 3_600_000;
    const t = [0, H, 2 * H, 4 * H, 5 * H];
    const c = [100, 110, 121, 100, 50];
    const y = logReturnTargets(t, c, H);
    expect(y[0]).toBeCloseTo(Math.log(1.1), 12);
    expect(y[1]).toBeCloseTo(Math.log(1.1), 12);
    expect(Number.isNaN(y[2]!)).toBe(true); // 3H is missing
    expect(y[3]).toBeCloseTo(Math.log(0.5), 12);
    expect(Number.isNaN(y[4]!)).toBe(true);
  });

  it('scores a prediction beside persistence', () => {
    const o = scorePrediction(pred, 63_300, pred.targetTime);
    expect(o.absError).toBeCloseTo(410, 6);
    expect(o.persistenceAbsError).toBeCloseTo(419.88, 6);
    expect(o.covered90).toBe(false);
    expect(o.upActual).toBe(true);
    expect(o.pinball).toBeGreaterThan(0);
  });

  it('computes quantiles like numpy and never claims certainty', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([1, 2, 3, 4], 0.05)).toBeCloseTo(1.15, 12);
    expect(smoothedRate(0, 10)).toBeCloseTo(1 / 12, 12);
    expect(smoothedRate(10, 10)).toBeCloseTo(11 / 12, 12);
  });

  it('quickselect agrees with sorting: k-th order statistics and type-7 quantiles, ties included, input untouched', () => {
    const rand = seededRandom(7);
    for (const n of [1, 2, 5, 100, 1001]) {
      const xs = Float64Array.from({ length: n }, () => Math.round(rand() * 20) / 4);
      const sorted = xs.slice().sort();
      const before = xs.slice();
      for (const p of [0, 0.05, 0.25, 0.5, 0.9, 0.95, 1]) expect(quantileSelect(xs, p)).toBeCloseTo(quantileSorted(sorted, p), 12);
      expect(xs).toEqual(before);
      for (const k of [0, n >> 1, n - 1]) {
        const a = xs.slice();
        expect(selectInPlace(a, k)).toBe(sorted[k]);
        for (let i = 0; i < k; i++) expect(a[i]).toBeLessThanOrEqual(a[k]!);
        for (let i = k + 1; i < n; i++) expect(a[i]).toBeGreaterThanOrEqual(a[k]!);
      }
    }
    expect(quantileSelect([], 0.5)).toBeNaN();
  });
});
