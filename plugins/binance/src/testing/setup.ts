/**
 * Test wiring: a fake Binance on a virtual clock, a source pointed at it, and a `sleep` that advances the
 * virtual clock instead of waiting, so every rate-limit wait is observable (`sleeps`) and instant.
 */
import { createPluginContext, type Candle, type Interval } from '@satcast/core';
import { loadBtcHourly } from '@satcast/data';
import { createBinanceSource, optionsSchema, type BinanceOptionsInput, type BinanceSource } from '../index.js';
import { fakeClock, FakeBinance, type FakeClock } from './fake-binance.js';

/** Real Binance BTCUSDT hourly bars (bundled history), tagged as this plugin's output. */
export function realBars(from: number, to: number): Candle[] {
  return loadBtcHourly({ from, to }).map((c) => ({ ...c, source: 'binance' }));
}

/** Options that keep every retry and reconnect delay tiny. */
export const FAST = {
  rest: { retries: 2, backoffInitialMs: 1, backoffMaxMs: 2, breakerThreshold: 50, breakerHalfOpenMs: 60_000, timeoutMs: 2000 },
  ws: { reconnectInitialMs: 1, reconnectMaxMs: 5 },
} as const;

export interface Harness {
  fake: FakeBinance;
  clock: FakeClock;
  source: BinanceSource;
  sleeps: number[];
  close(): Promise<void>;
}

export async function harness(o: {
  bars: Record<string, Candle[]>;
  now: number;
  options?: BinanceOptionsInput;
  interval?: Interval;
  autoPong?: boolean;
}): Promise<Harness> {
  const clock = fakeClock(o.now);
  const fake = await FakeBinance.start({ clock, bars: o.bars, interval: o.interval, autoPong: o.autoPong });
  const sleeps: number[] = [];
  const options = optionsSchema.parse({
    ...FAST,
    ...o.options,
    rest: { ...FAST.rest, ...o.options?.rest },
    ws: { ...FAST.ws, ...o.options?.ws },
    baseUrl: fake.restUrl,
    wsUrl: fake.wsUrl,
  });
  const source = createBinanceSource(options, createPluginContext({ now: clock.now }), {
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.advance(ms);
    },
  });
  return {
    fake,
    clock,
    source,
    sleeps,
    async close() {
      await source.close();
      await fake.close();
    },
  };
}
