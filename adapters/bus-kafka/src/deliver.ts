/**
 * What happens to one message inside a subscription, independent of kafkajs so it is unit-tested without a
 * broker: run the handler; on a throw wait and run it again (same message, so later messages of its
 * partition, hence of its key, wait); after `maxDeliveries` attempts dead-letter it and move on. Only then
 * may the caller commit. If the subscription closes meanwhile, nothing is committed and the message is
 * delivered again to whoever owns the partition next (at-least-once).
 */
import type { BusMessage } from '@satcast/core';

export type Outcome = 'handled' | 'dead-lettered' | 'aborted';

export interface DeliverSettings {
  maxDeliveries: number;
  retryDelayMs: number;
}

export interface DeliverHooks<T> {
  handler(msg: BusMessage<T>): void | Promise<void>;
  /** A fresh copy of the message per attempt, so a handler that mutated it does not see its own changes. */
  message(): BusMessage<T>;
  isClosed(): boolean;
  /** Keep group membership alive while retrying (kafkajs `heartbeat()`). */
  heartbeat?(): Promise<void>;
  deadLetter(msg: BusMessage<T>, reason: unknown, attempts: number): Promise<void>;
  sleep?(ms: number): Promise<void>;
}

const wait = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function deliver<T>(s: DeliverSettings, h: DeliverHooks<T>): Promise<Outcome> {
  const sleep = h.sleep ?? wait;
  for (let attempt = 1; ; attempt++) {
    if (h.isClosed()) return 'aborted';
    try {
      await h.handler(h.message());
      return 'handled';
    } catch (err) {
      if (attempt >= s.maxDeliveries) {
        await h.deadLetter(h.message(), err, attempt);
        return 'dead-lettered';
      }
      await sleep(Math.min(5000, s.retryDelayMs * 2 ** (attempt - 1)));
      await h.heartbeat?.().catch(() => undefined);
    }
  }
}
