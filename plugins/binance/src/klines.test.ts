import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkBar, parseRestRow, unwrapStream, WsKlineEventSchema } from './klines.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as unknown;
const opts = { now: Date.UTC(2026, 0, 1), clockSkewMs: 5000, source: 'binance' };

describe('binance payload parsing (recorded documentation payloads)', () => {
  it('reads a REST row: times as integers, decimal strings as numbers, extra fields ignored', () => {
    const [row] = fixture('klines-rest.json') as unknown[];
    const r = parseRestRow(row, 'BNBBTC', '1d');
    expect(r).toEqual({
      ok: true,
      bar: { symbol: 'BNBBTC', interval: '1d', openTime: 1499040000000, closeTime: 1499644799999, open: 0.0163479, high: 0.8, low: 0.015758, close: 0.015771, volume: 148976.11427815 },
    });
    // The documented row is a 1-week bar: read as a day bar its close time gives it away.
    const checked = checkBar((r as { bar: Parameters<typeof checkBar>[0] }).bar, opts);
    expect(checked).toEqual({ ok: false, reason: 'closeTime 1499644799999 does not end a 1d bar opened at 1499040000000' });
  });

  it('reads single and combined stream events to the same kline', () => {
    const single = WsKlineEventSchema.parse(fixture('kline-ws.json'));
    const combined = unwrapStream(fixture('kline-ws-combined.json'));
    expect(combined.stream).toBe('bnbbtc@kline_1m');
    expect(WsKlineEventSchema.parse(combined.data)).toEqual(single);
    expect(single.k).toMatchObject({ t: 1672515780000, T: 1672515839999, i: '1m', o: 0.001, h: 0.0025, l: 0.0015, c: 0.002, x: false });
  });

  it('a consistent bar passes every check', () => {
    const bar = { symbol: 'BTCUSDT', interval: '1h' as const, openTime: Date.UTC(2025, 0, 1), closeTime: Date.UTC(2025, 0, 1, 1) - 1, open: 93_576, high: 94_509.42, low: 93_489.03, close: 94_401.14, volume: 1_081.2 };
    const { closeTime: _, ...candle } = bar;
    expect(checkBar(bar, opts)).toStrictEqual({ ok: true, candle: { ...candle, source: 'binance' } });
  });
});
