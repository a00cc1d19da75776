/**
 * Positioning a consumer group before it starts, through the admin API. Kafka can only move a group's
 * committed offsets while the group has no running members, so an explicit `fromOffset` on a running group
 * is refused with a CONFLICT error instead of silently doing nothing. A brand-new group without
 * `fromOffset` is pinned to the current end right away: kafkajs would otherwise resolve "latest" only after
 * the join, and messages published in between would be skipped.
 */
import type { Admin } from 'kafkajs';
import { SatcastError } from '@satcast/core';
import { decodeOffset, startOffsets } from './offset.js';
import { PLUGIN } from './options.js';

/** The part of kafkajs's Admin used here (a fake implements it in tests). */
export type GroupAdmin = Pick<Admin, 'fetchOffsets' | 'fetchTopicOffsets' | 'fetchTopicOffsetsByTimestamp' | 'setOffsets' | 'describeGroups'>;

const INACTIVE = new Set(['Empty', 'Dead', 'Unknown', '']);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function groupState(admin: GroupAdmin, groupId: string): Promise<string> {
  const { groups } = await admin.describeGroups([groupId]);
  return groups[0]?.state ?? 'Dead';
}

export interface PositionRequest {
  groupId: string;
  topic: string;
  fromOffset?: string;
  /** Members of this group in this process: moving the group under them would be a silent no-op. */
  localMembers: number;
  /** How long to wait for members that are leaving (e.g. a subscription closed a moment ago). */
  settleMs: number;
}

/** Returns what was done, for logs and tests: `kept` (committed position), or the offsets set per partition. */
export async function positionGroup(admin: GroupAdmin, r: PositionRequest): Promise<'kept' | { partition: number; offset: string }[]> {
  const target = r.fromOffset === undefined ? undefined : r.fromOffset === 'earliest' || r.fromOffset === 'latest' ? r.fromOffset : decodeOffset(r.fromOffset);
  if (target === undefined) {
    const committed = await admin.fetchOffsets({ groupId: r.groupId, topics: [r.topic] });
    const has = committed.some((t) => t.partitions.some((p) => BigInt(p.offset) >= 0n));
    // Committed offsets, or members already running it: the group owns its position.
    if (has || r.localMembers > 0 || !INACTIVE.has(await groupState(admin, r.groupId))) return 'kept';
  }
  if (r.localMembers > 0) throw conflict(r, 'it has a running subscription in this process');
  const end = Date.now() + r.settleMs;
  for (let state = await groupState(admin, r.groupId); !INACTIVE.has(state); state = await groupState(admin, r.groupId)) {
    if (Date.now() > end) throw conflict(r, `it has running members (state ${state})`);
    await sleep(200);
  }
  const marks = await admin.fetchTopicOffsets(r.topic);
  const byTime = typeof target === 'object' ? await admin.fetchTopicOffsetsByTimestamp(r.topic, target.timestamp) : [];
  const partitions = startOffsets(target ?? 'latest', marks, byTime);
  await admin.setOffsets({ groupId: r.groupId, topic: r.topic, partitions });
  return partitions;
}

function conflict(r: PositionRequest, why: string): SatcastError {
  return new SatcastError(
    `cannot move group "${r.groupId}" on "${r.topic}" to fromOffset ${r.fromOffset ?? 'latest'}: ${why}; Kafka only resets offsets of a stopped group (close its subscriptions, or subscribe without fromOffset to join at the committed position)`,
    { plugin: PLUGIN, code: 'CONFLICT', field: 'fromOffset', retryable: true },
  );
}
