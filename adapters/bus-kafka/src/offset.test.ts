import { describe, expect, it } from 'vitest';
import { decodeOffset, encodeOffset, nextOffset, startOffsets } from './offset.js';

describe('kafka bus offsets', () => {
  it('round-trips partition, int64 offset and timestamp', () => {
    const p = { partition: 3, offset: '9223372036854775806', timestamp: 1_719_792_000_123 };
    expect(encodeOffset(p)).toBe('3:9223372036854775806:1719792000123');
    expect(decodeOffset(encodeOffset(p))).toEqual(p);
    expect(decodeOffset('0:007:5')).toEqual({ partition: 0, offset: '7', timestamp: 5 });
  });

  it('rejects what is not an offset of this bus, naming fromOffset', () => {
    for (const bad of ['', '5', '1-0', '1:2', '1:2:3:4', 'a:1:2', '-1:0:0', '1:-2:0', '0:9223372036854775808:0', '1719792000000-0']) {
      expect(() => decodeOffset(bad), bad).toThrow(expect.objectContaining({ code: 'VALIDATION', field: 'fromOffset' }));
    }
  });

  it('commits the position after the handled offset, without losing int64 precision', () => {
    expect(nextOffset('41')).toBe('42');
    expect(nextOffset('9007199254740993')).toBe('9007199254740994');
  });

  const marks = [
    { partition: 0, low: '10', high: '50' },
    { partition: 1, low: '0', high: '7' },
    { partition: 2, low: '3', high: '3' },
  ];

  it('starts every partition at its low or high watermark for earliest / latest', () => {
    expect(startOffsets('earliest', marks)).toEqual([{ partition: 0, offset: '10' }, { partition: 1, offset: '0' }, { partition: 2, offset: '3' }]);
    expect(startOffsets('latest', marks)).toEqual([{ partition: 0, offset: '50' }, { partition: 1, offset: '7' }, { partition: 2, offset: '3' }]);
  });

  it('replays from a position: exact on its partition, by timestamp elsewhere, clamped to what exists', () => {
    const pos = { partition: 0, offset: '42', timestamp: 1000 };
    const byTime = [{ partition: 0, offset: '40' }, { partition: 1, offset: '5' }, { partition: 2, offset: '-1' }];
    expect(startOffsets(pos, marks, byTime)).toEqual([{ partition: 0, offset: '42' }, { partition: 1, offset: '5' }, { partition: 2, offset: '3' }]);
    // An offset already deleted by retention starts at the oldest kept one.
    expect(startOffsets({ ...pos, offset: '2' }, marks, byTime)[0]).toEqual({ partition: 0, offset: '10' });
  });
});
