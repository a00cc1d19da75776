import type { BusMessage, BusSubscribeOptions } from '@satcast/core';

/** Settings shared by every group of one bus. */
export interface DispatchSettings {
  maxRetries: number;
  retryDelayMs: number;
  maxInFlight: number;
  onError(err: unknown, msg: BusMessage): void;
}

export interface Member {
  opts: BusSubscribeOptions<unknown>;
  closed: boolean;
  /** Handler calls running now, awaited by `close()` so no handler runs after it resolves. */
  active: Set<Promise<void>>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** FNV-1a, to send one key to the same member while membership is stable. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * One consumer group reading one topic's log. Messages fan out to per-key lanes: a lane delivers its
 * messages one after another (per-key order, retries included), different keys run concurrently. The
 * committed offset is the oldest message not yet acknowledged, so a group that loses its last member
 * resumes there (at-least-once). Seeking bumps `generation`, which turns older lanes into no-ops.
 */
export class ConsumerGroup {
  readonly members: Member[] = [];
  private next: number;
  private readonly pending = new Set<number>();
  private lanes = new Map<string, Promise<void>>();
  /** Lanes of a previous generation still finishing; new lanes wait for them so keys never overlap. */
  private barrier: Promise<unknown> = Promise.resolve();
  private generation = 0;

  constructor(
    private readonly log: readonly BusMessage[],
    start: number,
    private readonly settings: DispatchSettings,
  ) {
    this.next = start;
  }

  /** Oldest log index not yet acknowledged. */
  committed(): number {
    let min = this.next;
    for (const i of this.pending) if (i < min) min = i;
    return min;
  }

  /** Restart reading at `position`, dropping whatever is in flight (it will be delivered again). */
  seek(position: number): void {
    this.generation++;
    this.barrier = Promise.allSettled([this.barrier, ...this.lanes.values()]);
    this.lanes = new Map();
    this.pending.clear();
    this.next = position;
  }

  join(member: Member): void {
    this.members.push(member);
    this.pump();
  }

  leave(member: Member): void {
    const i = this.members.indexOf(member);
    if (i >= 0) this.members.splice(i, 1);
    // Nobody left to finish the in-flight messages: rewind so the next member gets them again.
    if (this.members.length === 0) this.seek(this.committed());
  }

  /** Dispatch log entries into lanes while members exist and the in-flight budget allows. */
  pump(): void {
    while (this.members.length > 0 && this.next < this.log.length && this.pending.size < this.settings.maxInFlight) {
      const idx = this.next++;
      const msg = this.log[idx]!;
      const gen = this.generation;
      this.pending.add(idx);
      const lane: Promise<void> = (this.lanes.get(msg.key) ?? this.barrier)
        .then(() => this.deliver(msg, gen))
        .finally(() => {
          if (gen !== this.generation) return;
          this.pending.delete(idx);
          if (this.lanes.get(msg.key) === lane) this.lanes.delete(msg.key);
          this.pump();
        });
      this.lanes.set(msg.key, lane);
    }
  }

  private async deliver(msg: BusMessage, gen: number): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (gen !== this.generation || this.members.length === 0) return;
      const member = this.members[hash(msg.key) % this.members.length]!;
      try {
        await this.run(member, msg);
        return;
      } catch (err) {
        if (attempt >= this.settings.maxRetries) {
          // Bounded retries: a poison message must not block its key forever. Report it and move on.
          report(member, err, msg, this.settings);
          return;
        }
        await sleep(this.settings.retryDelayMs * 2 ** attempt);
      }
    }
  }

  private async run(member: Member, msg: BusMessage): Promise<void> {
    // Each delivery gets its own copy, as from a real broker: a handler mutating it affects no one else.
    const p = (async () => member.opts.handler({ ...msg, value: structuredClone(msg.value) }))();
    member.active.add(p);
    try {
      await p;
    } finally {
      member.active.delete(p);
    }
  }
}

function report(member: Member, err: unknown, msg: BusMessage, settings: DispatchSettings): void {
  try {
    if (member.opts.onError) member.opts.onError(err, msg);
    else settings.onError(err, msg);
  } catch {
    // An error reporter that throws must not stop the lane.
  }
}
