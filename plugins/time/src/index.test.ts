import { describe, expect, it } from 'vitest';
import { testFeatureSet } from '@satcast/core/testing';
import { loadBtcHourly } from '@satcast/data';
import time, { nyseOpen, usDstRange } from './index.js';

testFeatureSet({
  plugin: time,
  options: {},
  candles: loadBtcHourly({ from: Date.UTC(2024, 0, 1), to: Date.UTC(2024, 1, 1) }),
  additionalTests: (get) => {
    it('encodes the hour that starts at the bar close', () => {
      const { batch, frame } = get();
      // Bar opened 2024-01-06 (Saturday) 22:00 UTC closes at 23:00: hour 23, still Saturday.
      const i = frame.openTime.indexOf(Date.UTC(2024, 0, 6, 22));
      expect(batch.hour_sin![i]).toBeCloseTo(Math.sin((2 * Math.PI * 23) / 24), 12);
      expect(batch.is_weekend![i]).toBe(1);
      expect(batch.dow_sin![i]).toBeCloseTo(Math.sin((2 * Math.PI * 5) / 7), 12);
    });
  },
});

describe('NYSE session flag', () => {
  it('follows US daylight-saving time', () => {
    expect(usDstRange(2024)).toEqual([Date.UTC(2024, 2, 10, 7), Date.UTC(2024, 10, 3, 6)]);
    // Winter (EST): 09:30 New York = 14:30 UTC, so the 14:00 UTC hour overlaps, 13:00 does not.
    expect(nyseOpen(Date.UTC(2024, 0, 8, 14))).toBe(true);
    expect(nyseOpen(Date.UTC(2024, 0, 8, 13))).toBe(false);
    expect(nyseOpen(Date.UTC(2024, 0, 8, 20))).toBe(true);
    expect(nyseOpen(Date.UTC(2024, 0, 8, 21))).toBe(false);
    // Summer (EDT): 13:00 UTC overlaps (13:30 open), 20:00 does not (close at 20:00).
    expect(nyseOpen(Date.UTC(2024, 6, 8, 13))).toBe(true);
    expect(nyseOpen(Date.UTC(2024, 6, 8, 20))).toBe(false);
    // Weekend.
    expect(nyseOpen(Date.UTC(2024, 6, 6, 15))).toBe(false);
  });
});
