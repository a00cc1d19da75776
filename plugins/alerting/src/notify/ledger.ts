/**
 * Idempotency for notifiers whose receiver cannot deduplicate (Slack, SMS, e-mail): remember each
 * successful delivery by key for `ttlMs`, so a repeated `send` of the same alert (a host retry after a
 * lost acknowledgement, a restart of the rule loop) returns the first receipt instead of delivering twice.
 * Concurrent sends of one key share one attempt. Bounded: the oldest keys are dropped past `maxEntries`.
 */
import type { DeliveryResult } from '@satcast/core';

export class DeliveryLedger {
  private readonly done = new Map<string, { at: number; result: DeliveryResult }>();
  private readonly inflight = new Map<string, Promise<DeliveryResult>>();

  constructor(private readonly ttlMs = 24 * 3_600_000, private readonly maxEntries = 10_000) {}

  /** The earlier receipt for `key` when it was delivered within the TTL. */
  get(key: string, now: number): DeliveryResult | undefined {
    const hit = this.done.get(key);
    if (!hit) return undefined;
    if (now - hit.at > this.ttlMs) {
      this.done.delete(key);
      return undefined;
    }
    return hit.result;
  }

  /**
   * Run `deliver` once per key: a delivered key returns its receipt, an in-flight key joins the running
   * attempt, a failed attempt leaves no trace (so the next call retries).
   */
  async once(key: string, now: () => number, deliver: () => Promise<DeliveryResult>): Promise<{ result: DeliveryResult; duplicate: boolean }> {
    const prev = this.get(key, now());
    if (prev) return { result: prev, duplicate: true };
    const running = this.inflight.get(key);
    if (running) return { result: await running, duplicate: true };
    const p = deliver();
    this.inflight.set(key, p);
    try {
      const result = await p;
      this.done.set(key, { at: now(), result });
      if (this.done.size > this.maxEntries) this.done.delete(this.done.keys().next().value as string);
      return { result, duplicate: false };
    } finally {
      this.inflight.delete(key);
    }
  }

  get size(): number {
    return this.done.size;
  }
}
