/**
 * One subscription = one consumer in a Redis consumer group. It reads on its own connection (XREADGROUP
 * BLOCK would stall every other command on a shared one), runs messages in per-key lanes (same key one
 * after another, different keys concurrently) and XACKs a message only after its handler resolved.
 *
 * Recovery, in order: on start it re-reads its own pending entries (id 0: what a previous run under the same
 * consumer name fetched but never acked), then every `claimIntervalMs` it XAUTOCLAIMs entries idle longer
 * than `claimIdleMs` from consumers that died. While a handler runs, a heartbeat re-claims the subscription's
 * own in-flight ids (XCLAIM JUSTID resets their idle time) so a slow handler is not mistaken for a dead one.
 * The delivery count kept by Redis caps attempts across crashes; past `maxDeliveries` the entry goes to the
 * dead-letter stream with the reason, and is acked.
 */
import type { Redis } from 'ioredis';
import { PluginError, type BusMessage, type BusSubscribeOptions } from '@satcast/core';
import { decodeEntry, toMessage, type RawEntry } from './entry.js';
import { PLUGIN, type ResolvedOptions } from './options.js';

type StreamReply = [stream: string, entries: [id: string, fields: string[] | null][]][] | null;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const errText = (err: unknown) => (err instanceof Error ? err.message : String(err));

export interface ConsumerSpec {
  topic: string;
  stream: string;
  dlq: string;
  group: string;
  name: string;
  sub: BusSubscribeOptions<unknown>;
}

export class StreamConsumer {
  private closed = false;
  private readonly lanes = new Map<string, Promise<void>>();
  /** Ids fetched and not yet acked (or dead-lettered): the heartbeat keeps them owned. */
  private readonly inFlight = new Set<string>();
  private wake?: () => void;
  private loopDone: Promise<void> = Promise.resolve();
  private timers: NodeJS.Timeout[] = [];
  private claiming = false;
  private readonly acks = new Set<Promise<void>>();

  constructor(
    private readonly cmd: Redis,
    private readonly reader: Redis,
    private readonly spec: ConsumerSpec,
    private readonly o: ResolvedOptions,
  ) {}

  start(): void {
    this.loopDone = this.loop();
    const beat = Math.max(20, Math.floor(this.o.claimIdleMs / 3));
    this.timers.push(setInterval(() => void this.heartbeat(), beat), setInterval(() => void this.claim(), this.o.claimIntervalMs));
    for (const t of this.timers) t.unref();
  }

  private async loop(): Promise<void> {
    const { stream, group, name } = this.spec;
    let failures = 0;
    let cursor: string | undefined = '0'; // own PEL first, then '>' (new entries)
    while (!this.closed) {
      await this.waitForRoom();
      if (this.closed) break;
      try {
        const reply = (await (cursor === undefined
          ? this.reader.xreadgroup('GROUP', group, name, 'COUNT', this.o.batchSize, 'BLOCK', this.o.blockMs, 'STREAMS', stream, '>')
          : this.reader.xreadgroup('GROUP', group, name, 'COUNT', this.o.batchSize, 'STREAMS', stream, cursor))) as StreamReply;
        failures = 0;
        const entries = reply?.[0]?.[1] ?? [];
        if (this.closed) break; // fetched during close: left pending, released by close()
        if (cursor !== undefined) {
          if (entries.length === 0) {
            cursor = undefined;
            void this.claim(); // take over what dead consumers left before reading new entries
            continue;
          }
          cursor = entries[entries.length - 1]![0];
          await this.dispatchWithCounts(entries);
        } else {
          for (const [id, fields] of entries) this.dispatchRaw(id, fields, 1);
        }
      } catch (err) {
        if (this.closed) break;
        if (/NOGROUP/.test(errText(err))) {
          // The stream was deleted (and maybe re-created by a publish): recreate the group over what is there now.
          await this.cmd.xgroup('CREATE', stream, group, '0', 'MKSTREAM').catch(() => undefined);
          continue;
        }
        if (failures++ === 0) this.o.warn(`reader for ${stream} (group ${group}) failed, retrying: ${errText(err)}`);
        await sleep(Math.min(5000, 100 * 2 ** Math.min(failures, 6)));
      }
    }
  }

  /** Backpressure: stop reading while `maxInFlight` messages are unacked. */
  private async waitForRoom(): Promise<void> {
    while (!this.closed && this.inFlight.size >= this.o.maxInFlight) await new Promise<void>((r) => (this.wake = r));
  }

  /** Entries re-read from the PEL or reclaimed: their Redis delivery count caps further attempts. */
  private async dispatchWithCounts(entries: [string, string[] | null][]): Promise<void> {
    const pipe = this.cmd.pipeline();
    for (const [id] of entries) pipe.xpending(this.spec.stream, this.spec.group, id, id, 1);
    const counts = (await pipe.exec()) ?? [];
    entries.forEach(([id, fields], i) => {
      const row = (counts[i]?.[1] as [string, string, number, number][] | undefined)?.[0];
      this.dispatchRaw(id, fields, row ? Number(row[3]) : 1);
    });
  }

  private dispatchRaw(id: string, fields: string[] | null, deliveries: number): void {
    if (this.inFlight.has(id)) return; // already queued here (reclaimed from ourselves)
    const entry = decodeEntry(id, fields);
    if (!entry) {
      // Trimmed by MAXLEN while pending: the payload is gone; ack so it stops being reclaimed forever.
      this.o.warn(`${this.spec.stream} entry ${id} was trimmed before group ${this.spec.group} acked it: message lost (raise maxLen)`);
      void this.cmd.xack(this.spec.stream, this.spec.group, id).catch(() => undefined);
      return;
    }
    this.inFlight.add(id);
    const lane: Promise<void> = (this.lanes.get(entry.key) ?? Promise.resolve())
      .then(() => this.process(entry, deliveries))
      .catch((err) => this.o.warn(`lane ${entry.key} failed: ${errText(err)}`))
      .finally(() => {
        this.inFlight.delete(id);
        if (this.lanes.get(entry.key) === lane) this.lanes.delete(entry.key);
        this.wake?.();
      });
    this.lanes.set(entry.key, lane);
  }

  /** Run the handler until it succeeds (then XACK) or the delivery cap is reached (then dead-letter). */
  private async process(entry: RawEntry, deliveries: number): Promise<void> {
    let attempt = deliveries;
    let lastErr: unknown;
    for (;;) {
      if (this.closed) return; // stays pending; close() makes it claimable at once
      if (attempt > this.o.maxDeliveries) {
        const reason = lastErr ?? new PluginError(`delivered ${attempt - 1} times without an ack (consumer crashed or timed out)`, { plugin: PLUGIN });
        return this.deadLetter(entry, attempt - 1, reason);
      }
      try {
        await this.spec.sub.handler(toMessage(this.spec.topic, entry));
      } catch (err) {
        lastErr = err;
        attempt++;
        // Record the attempt in Redis too, so a crash during the retry does not reset the count.
        await this.cmd.xclaim(this.spec.stream, this.spec.group, this.spec.name, 0, entry.id, 'RETRYCOUNT', attempt, 'JUSTID').catch(() => undefined);
        if (attempt <= this.o.maxDeliveries) await sleep(Math.min(5000, this.o.retryDelayMs * 2 ** (attempt - deliveries - 1)));
        continue;
      }
      // Not awaited: the lane moves on while the ack travels (it is pipelined with the next commands), which
      // saves a round trip per message; close() waits for outstanding acks before the connection goes.
      const ack = this.cmd.xack(this.spec.stream, this.spec.group, entry.id).then(
        () => undefined,
        // Still pending: it will be delivered again (at-least-once); idempotent handlers absorb that.
        (err) => this.o.warn(`XACK ${this.spec.stream} ${entry.id} failed, the message will be redelivered: ${errText(err)}`),
      );
      this.acks.add(ack);
      void ack.finally(() => this.acks.delete(ack));
      return;
    }
  }

  private async deadLetter(entry: RawEntry, deliveries: number, reason: unknown): Promise<void> {
    const { stream, dlq, group, name, topic } = this.spec;
    const tx = this.cmd.multi();
    if (this.o.deadLetter) {
      const trim = this.o.maxLen === false ? [] : ['MAXLEN', '~', this.o.maxLen];
      tx.xadd(dlq, ...(trim as []), '*', 'k', entry.key, 'v', entry.json, 't', String(entry.publishedAt), 'offset', entry.id,
        'group', group, 'consumer', name, 'deliveries', String(deliveries), 'reason', errText(reason), 'failedAt', String(Date.now()));
    }
    tx.xack(stream, group, entry.id);
    try {
      await tx.exec();
    } catch (err) {
      this.o.warn(`could not dead-letter ${stream} ${entry.id}, it stays pending: ${errText(err)}`);
      return;
    }
    let msg: BusMessage;
    try {
      msg = toMessage(topic, entry);
    } catch {
      msg = { topic, key: entry.key, value: entry.json, offset: entry.id, publishedAt: entry.publishedAt }; // not JSON: report it raw
    }
    try {
      (this.spec.sub.onError ?? this.o.onError)(reason, msg);
    } catch {
      // An error reporter that throws must not stop the lane.
    }
  }

  /** Reset the idle time of our in-flight entries so other consumers do not reclaim a slow handler's work. */
  private async heartbeat(): Promise<void> {
    if (this.closed || this.inFlight.size === 0) return;
    const ids = [...this.inFlight];
    for (let i = 0; i < ids.length; i += 500) {
      await this.cmd.xclaim(this.spec.stream, this.spec.group, this.spec.name, 0, ...ids.slice(i, i + 500), 'JUSTID').catch(() => undefined);
    }
  }

  /** XAUTOCLAIM entries idle longer than `claimIdleMs` (their consumer died) and run them here. */
  private async claim(): Promise<void> {
    if (this.closed || this.claiming) return;
    this.claiming = true;
    try {
      let cursor = '0-0';
      do {
        if (this.closed || this.inFlight.size >= this.o.maxInFlight) return;
        const [next, entries, deleted] = (await this.cmd.xautoclaim(this.spec.stream, this.spec.group, this.spec.name,
          this.o.claimIdleMs, cursor, 'COUNT', this.o.batchSize)) as [string, [string, string[] | null][], string[]?];
        cursor = next;
        if (this.closed) return;
        for (const id of deleted ?? []) this.o.warn(`${this.spec.stream} entry ${id} was trimmed before group ${this.spec.group} acked it: message lost (raise maxLen)`);
        if (entries.length > 0) await this.dispatchWithCounts(entries);
      } while (cursor !== '0-0');
    } catch (err) {
      if (!this.closed && !/NOGROUP/.test(errText(err))) this.o.warn(`XAUTOCLAIM on ${this.spec.stream} failed: ${errText(err)}`);
    } finally {
      this.claiming = false;
    }
  }

  /**
   * Stop reading, let running handlers finish (and ack), then hand back what was fetched but not started:
   * those entries get a large idle time so any other member's next XAUTOCLAIM takes them at once.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.wake?.();
    this.reader.disconnect(); // unblocks XREADGROUP BLOCK
    await this.loopDone.catch(() => undefined);
    await Promise.allSettled([...this.lanes.values()]);
    await Promise.allSettled([...this.acks]);
    try {
      const { stream, group, name } = this.spec;
      const left = (await this.cmd.xpending(stream, group, '-', '+', 10_000, name)) as [string, string, number, number][];
      if (left.length === 0) await this.cmd.xgroup('DELCONSUMER', stream, group, name);
      else await this.cmd.xclaim(stream, group, name, 0, ...left.map((r) => r[0]), 'IDLE', 2 ** 31 - 1, 'JUSTID');
    } catch {
      // Connection already gone (e.g. the bus is closing after a crash): reclaim by idle time still works.
    }
  }
}
