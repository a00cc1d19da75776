import { describe, expect, it } from 'vitest';
import { decodeEntry, encodeFields, groupStart, parseStreamId } from './entry.js';
import { resolveOptions } from './options.js';

describe('stream ids as offsets', () => {
  it('maps an inclusive fromOffset to the id just before it', () => {
    expect(groupStart('1719792000000-5')).toBe('1719792000000-4');
    expect(groupStart('1719792000000-0')).toBe('1719791999999-18446744073709551615');
    expect(groupStart('0-0')).toBe('0');
    expect(groupStart('earliest')).toBe('0');
    expect(groupStart('latest')).toBe('$');
  });

  it('rejects what is not a stream id, naming fromOffset', () => {
    for (const bad of ['abc', '12', '1-2-3', '-1-0', '1-x', '99999999999999999999-0']) {
      expect(() => groupStart(bad), bad).toThrow(expect.objectContaining({ code: 'VALIDATION', field: 'fromOffset' }));
    }
    expect(parseStreamId('18446744073709551615-18446744073709551615')).toEqual({ ms: 18446744073709551615n, seq: 18446744073709551615n });
  });

  it('round-trips an entry and tells trimmed entries apart', () => {
    const fields = encodeFields('BTCUSDT:1h', { close: 60_100.5, t: [1, 2] }, 1_719_792_000_123);
    expect(decodeEntry('1-0', fields)).toEqual({ id: '1-0', key: 'BTCUSDT:1h', json: '{"close":60100.5,"t":[1,2]}', publishedAt: 1_719_792_000_123 });
    expect(decodeEntry('1-0', null)).toBeUndefined();
    expect(decodeEntry('1-0', ['x', 'y'])).toBeUndefined();
  });
});

describe('options', () => {
  it('fills defaults', () => {
    const o = resolveOptions({});
    expect(o).toMatchObject({ url: 'redis://127.0.0.1:6379', prefix: 'satcast:bus:', maxLen: 100_000, claimIdleMs: 30_000, claimIntervalMs: 5000, maxDeliveries: 5 });
    expect(resolveOptions({ claimIdleMs: 60 }).claimIntervalMs).toBe(100);
  });

  it('names the bad field', () => {
    const cases: [object, string][] = [
      [{ url: 'http://x' }, 'url'],
      [{ maxLen: 0 }, 'maxLen'],
      [{ maxLen: true }, 'maxLen'],
      [{ claimIdleMs: -1 }, 'claimIdleMs'],
      [{ consumer: 'a b' }, 'consumer'],
      [{ prefix: 7 }, 'prefix'],
      [{ maxDelivery: 3 }, 'options'],
      [{ onError: 'log' }, 'onError'],
    ];
    for (const [opts, field] of cases) {
      expect(() => resolveOptions(opts as never), JSON.stringify(opts)).toThrow(expect.objectContaining({ code: 'CONFIG', field }));
    }
    expect(() => resolveOptions({ maxLen: 0 })).toThrow(/\[bus-redis-streams\] option "maxLen"/);
  });
});
