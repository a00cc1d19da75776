/**
 * rangeFetcher's splice rules without a provider: what it asks `live` for and what it takes from the
 * bundle. The plugins test the same rules end to end with real payloads and the bundled files.
 */
import { describe, expect, it } from 'vitest';
import { DAY, type FetchRangeRequest, type ObservationCandidate } from '@satcast/core';
import { latestFetcher, rangeFetcher, WARMUP_MS, type Mode } from './index.js';

const D0 = Date.UTC(2025, 5, 1);
const row = (day: number, value = day): ObservationCandidate => ({
  eventTime: D0 + day * DAY,
  payload: { day },
  record: { source: 'kit', series: 's', eventTime: D0 + day * DAY, availableAt: D0 + day * DAY + DAY, value, schemaVersion: 1 },
});
// Bundle covers days 0..9 (end = day 10); "live" serves any day asked for, value + 100 to tell them apart.
const bundled = { candidates: Array.from({ length: 10 }, (_, d) => row(d)), end: D0 + 10 * DAY };

function kit(mode: Mode, now: number) {
  const asked: FetchRangeRequest[] = [];
  const live = async (r: FetchRangeRequest) => {
    asked.push(r);
    const out: ObservationCandidate[] = [];
    for (let t = Math.ceil(r.from / DAY) * DAY; t < r.to; t += DAY) out.push(row((t - D0) / DAY, (t - D0) / DAY + 100));
    return out;
  };
  return { fetch: rangeFetcher({ source: 'kit', mode, now: () => now, bundled, live }), asked };
}

describe('source-kit rangeFetcher', () => {
  it('hybrid: bundled rows before bundled.end, live from there; live is asked from max(from - warm-up, end)', async () => {
    const now = D0 + 14 * DAY;
    const { fetch, asked } = kit('hybrid', now);
    const b = await fetch({ from: D0 + 8 * DAY, to: D0 + 12 * DAY });
    expect(b.observations!.map((o) => o.value)).toEqual([8, 9, 110, 111]);
    expect(asked).toEqual([{ from: bundled.end, to: D0 + 12 * DAY }]);
    // A range wholly inside the bundle makes no live call; live mode asks for the warm-up too.
    await fetch({ from: D0 + 2 * DAY, to: D0 + 5 * DAY });
    expect(asked).toHaveLength(1);
    const l = kit('live', now);
    await l.fetch({ from: D0 + 8 * DAY, to: D0 + 9 * DAY });
    expect(l.asked).toEqual([{ from: D0 + 8 * DAY - WARMUP_MS, to: D0 + 9 * DAY }]);
  });

  it('offline never calls live, skips bundled rows not yet public at now, and an empty range is empty', async () => {
    const { fetch, asked } = kit('offline', D0 + 5 * DAY); // day 4 is public at day 5, day 5 not yet
    expect((await fetch({ from: D0, to: D0 + 30 * DAY })).observations!.map((o) => o.value)).toEqual([0, 1, 2, 3, 4]);
    expect(await fetch({ from: D0 + DAY, to: D0 + DAY })).toEqual({ observations: [] });
    const latest = await latestFetcher(fetch, () => D0 + 5 * DAY, 2)();
    expect(latest.observations!.map((o) => o.value)).toEqual([3, 4]);
    expect(asked).toEqual([]);
  });
});
