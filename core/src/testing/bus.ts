import { afterEach, beforeEach, describe, expect } from 'vitest';
import type { Bus, BusMessage, BusSubscribeOptions } from '../interfaces/bus.js';
import { caseFor, type SuiteOptions } from './suite.js';

export interface BusSuiteContext {
  bus: Bus;
}

export interface BusSuiteOptions extends SuiteOptions<BusSuiteContext> {
  /** Adapter name shown in the suite title. */
  name: string;
  /** Returns a fresh bus with empty topics on every call: each test gets its own and closes it. */
  create: () => Promise<Bus>;
  /** How long to wait for expected deliveries (remote brokers need more). Default 2000 ms. */
  timeoutMs?: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Poll until `cond()` holds; fails with `what` after `timeoutMs`. */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

interface Tick {
  n: number;
  key: string;
}

/**
 * The bus contract every `adapters/bus-*` passes: ordering per key, consumer groups, at-least-once
 * redelivery, replay from `earliest` or an offset, resuming from a committed offset, close stops delivery.
 * A group seen for the first time without `fromOffset` starts at the latest position, as Kafka's default.
 * @example
 * testBus({ name: 'memory', create: async () => createBus() });
 */
export function testBus(opts: BusSuiteOptions): void {
  const test = caseFor(opts.skip);
  const timeout = opts.timeoutMs ?? 2000;
  const topic = 'satcast.test.ticks';
  let bus: Bus;

  /** Subscribe and collect every delivered message. */
  async function collect(group: string, extra: Partial<BusSubscribeOptions<Tick>> = {}) {
    const got: BusMessage<Tick>[] = [];
    const sub = await bus.subscribe<Tick>({ topic, group, handler: (m) => void got.push(m), ...extra });
    return { got, sub, values: () => got.map((m) => m.value.n) };
  }
  const publishN = async (from: number, to: number, keys = ['BTCUSDT:1h']) => {
    const offsets: string[] = [];
    for (let n = from; n < to; n++) {
      const key = keys[n % keys.length]!;
      offsets.push(await bus.publish<Tick>(topic, key, { n, key }));
    }
    return offsets;
  };
  const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

  describe(`bus contract: ${opts.name}`, () => {
    beforeEach(async () => {
      bus = await opts.create();
    });
    afterEach(async () => {
      await bus?.close();
    });

    test('a subscriber from earliest receives every message with its topic, key, value and offset', async () => {
      const offsets = await publishN(0, 5);
      expect(new Set(offsets).size).toBe(5);
      const c = await collect('store-writer', { fromOffset: 'earliest' });
      await waitFor(() => c.got.length >= 5, '5 messages', timeout);
      expect(c.values()).toEqual(range(0, 5));
      expect(c.got.map((m) => m.offset)).toEqual(offsets);
      for (const m of c.got) {
        expect(m.topic).toBe(topic);
        expect(m.key).toBe('BTCUSDT:1h');
        expect(typeof m.publishedAt).toBe('number');
      }
    });

    test('a new group without fromOffset starts at the latest position', async () => {
      await publishN(0, 3);
      const c = await collect('late');
      await publishN(3, 6);
      await waitFor(() => c.got.length >= 3, '3 new messages', timeout);
      await sleep(30);
      expect(c.values()).toEqual([3, 4, 5]);
    });

    test('messages with the same key arrive in publish order under slow async handlers', async () => {
      const got: Tick[] = [];
      await bus.subscribe<Tick>({ topic, group: 'features', fromOffset: 'earliest', handler: async (m) => {
        await sleep((m.value.n * 7) % 5);
        got.push(m.value);
      } });
      await publishN(0, 60, ['BTCUSDT:1h', 'ETHUSDT:1h', 'BTCUSDT:4h']);
      await waitFor(() => got.length >= 60, '60 messages', timeout * 2);
      for (const key of ['BTCUSDT:1h', 'ETHUSDT:1h', 'BTCUSDT:4h']) {
        const ns = got.filter((t) => t.key === key).map((t) => t.n);
        expect(ns, key).toEqual([...ns].sort((a, b) => a - b));
        expect(ns).toHaveLength(20);
      }
    });

    test('each message goes to exactly one member of a group and to every group', async () => {
      const a1 = await collect('writers', { fromOffset: 'earliest' });
      const a2 = await collect('writers');
      const b = await collect('features', { fromOffset: 'earliest' });
      await publishN(0, 30, ['BTCUSDT:1h', 'ETHUSDT:1h', 'SOLUSDT:1h']);
      await waitFor(() => a1.got.length + a2.got.length >= 30 && b.got.length >= 30, 'both groups', timeout);
      await sleep(50);
      expect([...a1.values(), ...a2.values()].sort((x, y) => x - y)).toEqual(range(0, 30));
      expect(b.values()).toEqual(range(0, 30));
    });

    test('a message whose handler throws is redelivered before later messages of its key', async () => {
      const done: number[] = [];
      let failures = 0;
      await bus.subscribe<Tick>({ topic, group: 'flaky', fromOffset: 'earliest', handler: (m) => {
        if (m.value.n === 2 && failures < 2) {
          failures++;
          throw new Error('transient store failure');
        }
        done.push(m.value.n);
      } });
      await publishN(0, 5);
      await waitFor(() => done.length >= 5, 'all 5 handled', timeout);
      expect(failures).toBe(2);
      expect(done).toEqual(range(0, 5));
    });

    test('replay from earliest and from a given offset (inclusive) with new groups', async () => {
      const offsets = await publishN(0, 10);
      const first = await collect('g1', { fromOffset: 'earliest' });
      await waitFor(() => first.got.length >= 10, '10 messages', timeout);
      const again = await collect('g2', { fromOffset: 'earliest' });
      const mid = await collect('g3', { fromOffset: offsets[6] });
      await waitFor(() => again.got.length >= 10 && mid.got.length >= 4, 'replays', timeout);
      await sleep(30);
      expect(again.values()).toEqual(range(0, 10));
      expect(mid.values()).toEqual([6, 7, 8, 9]);
    });

    test('a group resumes from its committed offset after resubscribing', async () => {
      const c1 = await collect('scorer', { fromOffset: 'earliest' });
      await publishN(0, 5);
      await waitFor(() => c1.got.length >= 5, 'first 5', timeout);
      await c1.sub.close();
      await publishN(5, 8);
      const c2 = await collect('scorer');
      await waitFor(() => c2.got.length >= 3, 'the 3 published while away', timeout);
      await sleep(30);
      expect(c2.values()).toEqual([5, 6, 7]);
    });

    test('closing a subscription stops delivery; other topics are isolated', async () => {
      const c = await collect('closer', { fromOffset: 'earliest' });
      const other: unknown[] = [];
      await bus.subscribe({ topic: 'satcast.test.other', group: 'closer', fromOffset: 'earliest', handler: (m) => void other.push(m.value) });
      await publishN(0, 2);
      await waitFor(() => c.got.length >= 2, '2 messages', timeout);
      await c.sub.close();
      await c.sub.close();
      await publishN(2, 4);
      await sleep(50);
      expect(c.values()).toEqual([0, 1]);
      expect(other).toEqual([]);
    });

    test('bus.close stops every subscription', async () => {
      const c = await collect('all', { fromOffset: 'earliest' });
      await publishN(0, 1);
      await waitFor(() => c.got.length >= 1, '1 message', timeout);
      await bus.close();
      await bus.publish(topic, 'k', { n: 99, key: 'k' }).catch(() => undefined);
      await sleep(50);
      expect(c.values()).toEqual([0]);
    });

    opts.additionalTests?.(() => ({ bus }));
  });
}
