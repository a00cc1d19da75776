import { expect, it } from 'vitest';
import type { BusMessage } from '@satcast/core';
import { testBus, waitFor } from '@satcast/core/testing';
import { createBus, type RedisBus } from './index.js';
import { REDIS_URL, withRedis } from './redis-available.js';

const quiet = { warn: () => {} };

await withRedis('bus-redis-streams', (prefix) => {
  testBus({
    name: 'redis-streams',
    create: async () => createBus({ url: REDIS_URL, prefix: prefix(), retryDelayMs: 5, blockMs: 200, ...quiet }),
    additionalTests: () => {
      it('moves a poison message to the dead-letter stream with the reason after maxDeliveries, then goes on', async () => {
        const bus = createBus({ url: REDIS_URL, prefix: prefix(), maxDeliveries: 3, retryDelayMs: 1, ...quiet });
        const errors: Array<[unknown, BusMessage]> = [];
        const done: number[] = [];
        let calls = 0;
        await bus.subscribe<{ n: number }>({
          topic: 't', group: 'g', fromOffset: 'earliest',
          handler: (m) => {
            if (m.value.n === 1) {
              calls++;
              throw new Error('poison: close < low');
            }
            done.push(m.value.n);
          },
          onError: (err, msg) => void errors.push([err, msg]),
        });
        const offsets: string[] = [];
        for (const n of [0, 1, 2]) offsets.push(await bus.publish('t', 'k', { n }));
        await waitFor(() => done.length === 2 && errors.length === 1, 'messages around the poison one');
        expect(done).toEqual([0, 2]);
        expect(calls).toBe(3);
        expect((errors[0]![0] as Error).message).toBe('poison: close < low');
        expect(errors[0]![1].offset).toBe(offsets[1]);
        const dlq = await bus.redis.xrange(`${bus.streamKey('t')}:dlq`, '-', '+');
        expect(dlq).toHaveLength(1);
        const f = Object.fromEntries(chunk(dlq[0]![1]));
        expect(f).toMatchObject({ k: 'k', v: '{"n":1}', offset: offsets[1], group: 'g', deliveries: '3', reason: 'poison: close < low' });
        expect(await pendingCount(bus, 't', 'g')).toBe(0);
        await bus.close();
      });

      it('hands back fetched but unhandled messages on close so the next member gets them at once', async () => {
        const p = prefix();
        const bus = createBus({ url: REDIS_URL, prefix: p, claimIdleMs: 60_000, claimIntervalMs: 60_000, ...quiet });
        let release!: () => void;
        const gate = new Promise<void>((r) => (release = r));
        const first: number[] = [];
        const sub = await bus.subscribe<{ n: number }>({ topic: 't', group: 'g', fromOffset: 'earliest', handler: async (m) => {
          first.push(m.value.n);
          await gate;
        } });
        await bus.publish('t', 'k', { n: 0 });
        await bus.publish('t', 'k', { n: 1 });
        await waitFor(() => first.length === 1, 'the first delivery');
        // n=1 is fetched too (pending on this consumer) but waits behind n=0 in its key's lane.
        for (let i = 0; i < 200 && (await pendingCount(bus, 't', 'g')) < 2; i++) await new Promise((r) => setTimeout(r, 10));
        expect(await pendingCount(bus, 't', 'g')).toBe(2);
        const closing = sub.close();
        release();
        await closing;
        expect(first).toEqual([0]);
        const second: number[] = [];
        // claimIdleMs is a minute: only the hand-back (idle time set high on close) lets it take n=1 now.
        // Another instance (another consumer name, so not its own pending list).
        const other = createBus({ url: REDIS_URL, prefix: p, claimIdleMs: 60_000, claimIntervalMs: 60_000, ...quiet });
        await other.subscribe<{ n: number }>({ topic: 't', group: 'g', handler: (m) => void second.push(m.value.n) });
        await waitFor(() => second.length === 1, 'the handed-back message');
        expect(second).toEqual([1]);
        await other.close();
        await bus.close();
      });

      it('does not let another member reclaim a message whose handler is slow but alive (heartbeat)', async () => {
        const p = prefix();
        const settings = { url: REDIS_URL, prefix: p, claimIdleMs: 250, claimIntervalMs: 20, ...quiet };
        const a = createBus(settings);
        const b = createBus(settings);
        const got: string[] = [];
        let finished = false;
        await a.subscribe({ topic: 't', group: 'g', fromOffset: 'earliest', handler: async () => {
          got.push('a');
          await new Promise((r) => setTimeout(r, 1000)); // four times claimIdleMs
          finished = true;
        } });
        await b.subscribe({ topic: 't', group: 'g', handler: () => void got.push('b') });
        await a.publish('t', 'k', { n: 0 });
        await waitFor(() => finished, 'the slow handler');
        await new Promise((r) => setTimeout(r, 100)); // a reclaim by b would show up here
        expect(got).toEqual(['a']);
        expect(await pendingCount(a, 't', 'g')).toBe(0);
        await a.close();
        await b.close();
      });

      it('dead-letters a message whose consumers keep dying, without calling the handler again', async () => {
        const bus = createBus({ url: REDIS_URL, prefix: prefix(), maxDeliveries: 3, claimIdleMs: 50, claimIntervalMs: 20, ...quiet });
        const stream = bus.streamKey('t');
        await bus.redis.xgroup('CREATE', stream, 'g', '0', 'MKSTREAM');
        const offset = await bus.publish('t', 'k', { n: 7 });
        // A consumer that fetched it and died, after the message had already been delivered 3 times.
        await bus.redis.xreadgroup('GROUP', 'g', 'ghost', 'COUNT', 10, 'STREAMS', stream, '>');
        await bus.redis.xclaim(stream, 'g', 'ghost', 0, offset, 'RETRYCOUNT', 3, 'JUSTID');
        const handled: unknown[] = [];
        const errors: unknown[] = [];
        await bus.subscribe({ topic: 't', group: 'g', handler: (m) => void handled.push(m.value), onError: (e) => void errors.push(e) });
        await waitFor(() => errors.length === 1, 'the dead letter');
        expect(handled).toEqual([]);
        expect(String((errors[0] as Error).message)).toMatch(/delivered 3 times without an ack/);
        expect(await bus.redis.xlen(`${stream}:dlq`)).toBe(1);
        expect(await pendingCount(bus, 't', 'g')).toBe(0);
        await bus.close();
      });

      it('dead-letters an entry another producer wrote with a value that is not JSON, reporting it raw', async () => {
        const bus = createBus({ url: REDIS_URL, prefix: prefix(), maxDeliveries: 2, retryDelayMs: 1, ...quiet });
        await bus.redis.xgroup('CREATE', bus.streamKey('t'), 'g', '0', 'MKSTREAM');
        await bus.redis.xadd(bus.streamKey('t'), '*', 'k', 'k', 'v', '{oops', 't', '1');
        const errors: Array<[unknown, BusMessage]> = [];
        const handled: unknown[] = [];
        await bus.subscribe({ topic: 't', group: 'g', handler: (m) => void handled.push(m), onError: (e, m) => void errors.push([e, m]) });
        await waitFor(() => errors.length === 1, 'the dead letter');
        expect(handled).toEqual([]);
        expect(errors[0]![1].value).toBe('{oops');
        expect(errors[0]![0]).toBeInstanceOf(SyntaxError);
        const [[, fields]] = await bus.redis.xrange(`${bus.streamKey('t')}:dlq`, '-', '+');
        expect(Object.fromEntries(chunk(fields!)).reason).toMatch(/JSON/);
        await bus.close();
      });

      it('trims streams approximately to maxLen', async () => {
        const bus = createBus({ url: REDIS_URL, prefix: prefix(), maxLen: 10, ...quiet });
        for (let n = 0; n < 500; n++) await bus.publish('t', 'k', { n });
        const len = await bus.redis.xlen(bus.streamKey('t'));
        // `~` trims whole radix-tree nodes (100 entries by default), never below maxLen.
        expect(len).toBeGreaterThanOrEqual(10);
        expect(len).toBeLessThan(500);
        await bus.close();
      });

      it('rejects bad topics, keys, values and offsets naming the field', async () => {
        const bus = createBus({ url: REDIS_URL, prefix: prefix(), ...quiet });
        await expect(bus.publish('', 'k', 1)).rejects.toMatchObject({ code: 'VALIDATION', field: 'topic' });
        await expect(bus.publish('a:b', 'k', 1)).rejects.toMatchObject({ field: 'topic' });
        await expect(bus.publish('t', '', 1)).rejects.toMatchObject({ field: 'key' });
        await expect(bus.publish('t', 'k', 10n)).rejects.toMatchObject({ field: 'value' });
        await expect(bus.subscribe({ topic: 't', group: 'g', fromOffset: 'abc', handler: () => {} })).rejects.toMatchObject({ field: 'fromOffset' });
        await bus.close();
        await expect(bus.publish('t', 'k', 1)).rejects.toThrow(/after close/);
      });
    },
  });
});

function chunk(fields: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) out.push([fields[i]!, fields[i + 1]!]);
  return out;
}

async function pendingCount(bus: RedisBus, topic: string, group: string): Promise<number> {
  const summary = (await bus.redis.xpending(bus.streamKey(topic), group)) as [number, ...unknown[]];
  return Number(summary[0]);
}
