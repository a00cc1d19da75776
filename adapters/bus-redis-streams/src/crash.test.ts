/**
 * A consumer dies mid-batch: it has applied some messages, applied one more without acking it, and holds
 * the rest of its batch unhandled. Another member of the group must reclaim and finish: nothing lost, and
 * with a sink keyed by offset, nothing applied twice (the at-least-once + idempotency-key contract).
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import type { BusMessage } from '@satcast/core';
import { waitFor } from '@satcast/core/testing';
import { createBus, type RedisBus } from './index.js';
import { REDIS_URL, withRedis } from './redis-available.js';

interface Bar {
  n: number;
}

/** What a store does with `upsert ... on conflict (offset) do nothing`: applies each offset once. */
class IdempotentSink {
  readonly applied = new Map<string, number>();
  readonly deliveries: string[] = [];
  apply(m: BusMessage<Bar>): void {
    this.deliveries.push(m.offset);
    if (!this.applied.has(m.offset)) this.applied.set(m.offset, m.value.n);
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const never = new Promise<never>(() => {});

/** Kill every server-side connection of one consumer, as when its process dies. */
async function killConnections(admin: Redis, consumer: string): Promise<number> {
  const list = (await admin.client('LIST')) as string;
  const ids = list.split('\n').filter((l) => l.includes(`name=satcast-bus:${consumer}:`)).map((l) => /\bid=(\d+)/.exec(l)![1]!);
  for (const id of ids) await admin.client('KILL', 'ID', id);
  return ids.length;
}

await withRedis('bus-redis-streams crash recovery', (prefix) => {
  // Dead consumers never reconnect; their process is gone.
  const dead = { retryStrategy: () => null, maxRetriesPerRequest: 0 };
  const quiet = { warn: () => {} };
  // Unique per run: CLIENT KILL must never hit another run's connections on the shared Redis.
  const A = `worker-a-${randomUUID().slice(0, 8)}`;

  async function crashMidBatch(p: string, keys: string[]) {
    const admin = new Redis(REDIS_URL);
    const a = createBus({ url: REDIS_URL, prefix: p, consumer: A, claimIdleMs: 150, claimIntervalMs: 50, redis: dead, ...quiet });
    const sink = new IdempotentSink();
    const offsets: string[] = [];
    for (let n = 0; n < 12; n++) offsets.push(await a.publish<Bar>('satcast.candles', keys[n % keys.length]!, { n }));
    let crashed = false;
    await a.subscribe<Bar>({ topic: 'satcast.candles', group: 'store', fromOffset: 'earliest', handler: async (m) => {
      if (crashed) return never; // the process is gone: nothing more runs
      sink.apply(m);
      if (m.value.n === 4) {
        crashed = true;
        expect(await killConnections(admin, A)).toBeGreaterThanOrEqual(2);
        return never; // applied, never acked
      }
    } });
    await waitFor(() => crashed, 'worker A to crash');
    return { admin, a, sink, offsets };
  }

  async function pending(admin: Redis, p: string): Promise<[string, string, number, number][]> {
    return (await admin.xpending(`${p}satcast.candles`, 'store', '-', '+', 100)) as [string, string, number, number][];
  }

  it('a surviving member reclaims a dead consumer\'s batch: nothing lost, nothing applied twice', async () => {
    const p = prefix();
    const { admin, a, sink, offsets } = await crashMidBatch(p, ['BTCUSDT:1h']);
    const left = await pending(admin, p);
    // 0..3 were acked; 4 (applied) and 5..11 (fetched in the same batch, never started) are pending on worker-a.
    expect(left.map((r) => r[0])).toEqual(offsets.slice(4));
    expect(new Set(left.map((r) => r[1]))).toEqual(new Set([A]));

    const b = createBus({ url: REDIS_URL, prefix: p, consumer: 'worker-b', claimIdleMs: 150, claimIntervalMs: 50, ...quiet });
    await b.subscribe<Bar>({ topic: 'satcast.candles', group: 'store', handler: (m) => sink.apply(m) });
    await waitFor(() => sink.applied.size === 12, 'all 12 applied', 5000);
    await waitFor(() => sink.deliveries.length === 13, 'the duplicate delivery', 2000);
    await sleep(100); // a third delivery would show up here

    expect([...sink.applied.values()].sort((x, y) => x - y)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    // Message 4 was delivered twice (at-least-once); the offset key made the second one a no-op.
    expect(sink.deliveries.filter((o) => o === offsets[4])).toHaveLength(2);
    expect(sink.deliveries).toHaveLength(13);
    // Reclaimed messages kept their per-key order on the new member.
    expect(sink.deliveries.slice(5)).toEqual(offsets.slice(4));
    for (let i = 0; i < 100 && (await pending(admin, p)).length > 0; i++) await sleep(20);
    expect(await pending(admin, p)).toEqual([]);
    await b.close();
    void a.close(); // stops its timers; its hung handler never settles, as in a dead process
    await admin.quit();
  });

  it('a restarted consumer with the same name re-reads its own pending entries first', async () => {
    const p = prefix();
    const { admin, a, sink, offsets } = await crashMidBatch(p, ['BTCUSDT:1h', 'ETHUSDT:1h']);
    // Idle-based reclaim is far away: only the own-PEL read (id 0) can pick these up.
    const a2 = createBus({ url: REDIS_URL, prefix: p, consumer: A, claimIdleMs: 60_000, ...quiet });
    await a2.subscribe<Bar>({ topic: 'satcast.candles', group: 'store', handler: (m) => sink.apply(m) });
    await waitFor(() => sink.applied.size === 12, 'all 12 applied', 5000);
    expect(sink.applied.size).toBe(12);
    expect(sink.deliveries.filter((o) => o === offsets[4])).toHaveLength(2);
    // Every key's messages reached the restarted consumer in publish order.
    for (const key of ['BTCUSDT:1h', 'ETHUSDT:1h']) {
      const ns = [...sink.applied.values()].filter((n) => (n % 2 === 0) === (key === 'BTCUSDT:1h'));
      expect(ns).toEqual([...ns].sort((x, y) => x - y));
    }
    for (let i = 0; i < 100 && (await pending(admin, p)).length > 0; i++) await sleep(20);
    expect(await pending(admin, p)).toEqual([]);
    await a2.close();
    void a.close();
    await admin.quit();
  });
});
