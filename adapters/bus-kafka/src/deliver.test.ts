import { describe, expect, it } from 'vitest';
import type { BusMessage } from '@satcast/core';
import { deliver } from './deliver.js';

const base: BusMessage<{ n: number }> = { topic: 't', key: 'k', value: { n: 1 }, offset: '0:5:1000', publishedAt: 1000 };
const noSleep = async () => {};

describe('per-message delivery (retry, dead letter, abort)', () => {
  it('retries a throwing handler with doubling waits, then reports handled', async () => {
    const waits: number[] = [];
    let calls = 0;
    const outcome = await deliver({ maxDeliveries: 5, retryDelayMs: 10 }, {
      handler: () => {
        if (++calls < 3) throw new Error('transient');
      },
      message: () => structuredClone(base), isClosed: () => false, sleep: async (ms) => void waits.push(ms),
      deadLetter: async () => expect.unreachable('must not dead-letter'),
    });
    expect(outcome).toBe('handled');
    expect(calls).toBe(3);
    expect(waits).toEqual([10, 20]);
  });

  it('dead-letters after maxDeliveries attempts with the last error', async () => {
    const dead: [unknown, number][] = [];
    let calls = 0;
    const outcome = await deliver({ maxDeliveries: 3, retryDelayMs: 0 }, {
      handler: () => {
        calls++;
        throw new Error(`poison ${calls}`);
      },
      message: () => structuredClone(base), isClosed: () => false, sleep: noSleep,
      deadLetter: async (_m, reason, attempts) => void dead.push([reason, attempts]),
    });
    expect(outcome).toBe('dead-lettered');
    expect(calls).toBe(3);
    expect(dead).toHaveLength(1);
    expect((dead[0]![0] as Error).message).toBe('poison 3');
    expect(dead[0]![1]).toBe(3);
  });

  it('stops retrying when the subscription closes, so nothing is committed', async () => {
    let closed = false;
    const outcome = await deliver({ maxDeliveries: 10, retryDelayMs: 0 }, {
      handler: () => {
        closed = true;
        throw new Error('store down');
      },
      message: () => structuredClone(base), isClosed: () => closed, sleep: noSleep,
      deadLetter: async () => expect.unreachable('must not dead-letter'),
    });
    expect(outcome).toBe('aborted');
  });

  it('gives each attempt a fresh message and keeps the group alive between attempts', async () => {
    const seen: number[] = [];
    let beats = 0;
    await deliver({ maxDeliveries: 3, retryDelayMs: 0 }, {
      handler: (m) => {
        seen.push(m.value.n);
        m.value.n = -1;
        if (seen.length < 2) throw new Error('again');
      },
      message: () => structuredClone(base), isClosed: () => false, sleep: noSleep, heartbeat: async () => void beats++,
      deadLetter: async () => {},
    });
    expect(seen).toEqual([1, 1]);
    expect(beats).toBe(1);
  });
});
