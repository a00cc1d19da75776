import { expect, it } from 'vitest';
import type { BusMessage } from '@satcast/core';
import { testBus, waitFor } from '@satcast/core/testing';
import { createBus } from './index.js';

const candle = (openTime: number, close: number) => ({
  symbol: 'BTCUSDT', interval: '1h', openTime, open: 60_000, high: 60_500, low: 59_800, close, volume: 812.4,
});
const T0 = 1_719_792_000_000;

testBus({
  name: 'memory',
  create: async () => createBus({ retryDelayMs: 1 }),
  additionalTests: () => {
    it('gives up after maxRetries, reports to onError and moves on to the next message', async () => {
      const bus = createBus({ maxRetries: 2, retryDelayMs: 1 });
      const errors: Array<[unknown, BusMessage]> = [];
      const done: number[] = [];
      let calls = 0;
      await bus.subscribe<{ n: number }>({
        topic: 't', group: 'g', fromOffset: 'earliest',
        handler: (m) => {
          if (m.value.n === 1) {
            calls++;
            throw new Error('poison');
          }
          done.push(m.value.n);
        },
        onError: (err, msg) => void errors.push([err, msg]),
      });
      for (const n of [0, 1, 2]) await bus.publish('t', 'k', { n });
      await waitFor(() => done.length === 2, 'messages around the poison one');
      expect(done).toEqual([0, 2]);
      expect(calls).toBe(3);
      expect(errors).toHaveLength(1);
      expect((errors[0]![0] as Error).message).toBe('poison');
      expect(errors[0]![1].offset).toBe('1');
      await bus.close();
    });

    it('gives each delivery its own copy of the value', async () => {
      const bus = createBus();
      const seen: number[] = [];
      const handler = (m: BusMessage<ReturnType<typeof candle>>) => {
        seen.push(m.value.close);
        m.value.close = -1;
      };
      await bus.subscribe({ topic: 'c', group: 'a', fromOffset: 'earliest', handler });
      await bus.subscribe({ topic: 'c', group: 'b', fromOffset: 'earliest', handler });
      const value = candle(T0, 60_100.5);
      await bus.publish('c', 'BTCUSDT:1h', value);
      value.close = 0;
      await waitFor(() => seen.length === 2, 'both groups');
      expect(seen).toEqual([60_100.5, 60_100.5]);
      await bus.close();
    });

    it('redelivers in-flight messages to the next member when the last one leaves', async () => {
      const bus = createBus();
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const first: number[] = [];
      const sub = await bus.subscribe<{ n: number }>({ topic: 't', group: 'g', fromOffset: 'earliest', handler: async (m) => {
        first.push(m.value.n);
        await gate;
      } });
      await bus.publish('t', 'k', { n: 0 });
      await waitFor(() => first.length === 1, 'the first delivery');
      const closing = sub.close();
      release();
      await closing;
      const second: number[] = [];
      await bus.subscribe<{ n: number }>({ topic: 't', group: 'g', handler: (m) => void second.push(m.value.n) });
      await waitFor(() => second.length === 1, 'the redelivery');
      expect(second).toEqual([0]);
      await bus.close();
    });

    it('keeps a group within maxInFlight and still delivers everything', async () => {
      const bus = createBus({ maxInFlight: 4 });
      let running = 0;
      let peak = 0;
      const got: number[] = [];
      await bus.subscribe<{ n: number }>({ topic: 't', group: 'g', fromOffset: 'earliest', handler: async (m) => {
        peak = Math.max(peak, ++running);
        await new Promise((r) => setTimeout(r, 1));
        running--;
        got.push(m.value.n);
      } });
      for (let n = 0; n < 40; n++) await bus.publish('t', `key-${n % 10}`, { n });
      await waitFor(() => got.length === 40, '40 messages');
      expect(peak).toBeLessThanOrEqual(4);
      await bus.close();
    });

    it('rejects bad names and offsets naming the field', async () => {
      const bus = createBus();
      await expect(bus.publish('', 'k', 1)).rejects.toMatchObject({ code: 'VALIDATION', field: 'topic' });
      await expect(bus.subscribe({ topic: 't', group: 'g', fromOffset: 'abc', handler: () => {} })).rejects.toMatchObject({ field: 'fromOffset' });
      await bus.close();
      await expect(bus.publish('t', 'k', 1)).rejects.toThrow(/after close/);
    });
  },
});
