import { describe, expect, it } from 'vitest';
import type { ConsumerGroupState } from 'kafkajs';
import { positionGroup, type GroupAdmin } from './group.js';

/** An admin API over one topic with three partitions and one group, recording what was set. */
function fakeAdmin(opts: { committed?: string[]; states?: string[] } = {}) {
  const states = [...(opts.states ?? ['Dead'])];
  const set: unknown[] = [];
  const admin: GroupAdmin = {
    fetchOffsets: async () => [{ topic: 't', partitions: (opts.committed ?? ['-1', '-1', '-1']).map((offset, partition) => ({ partition, offset, metadata: null })) }],
    fetchTopicOffsets: async () => [
      { partition: 0, low: '0', high: '12', offset: '12' },
      { partition: 1, low: '4', high: '9', offset: '9' },
      { partition: 2, low: '0', high: '0', offset: '0' },
    ],
    fetchTopicOffsetsByTimestamp: async (_t, ts) => (ts === 5000 ? [{ partition: 0, offset: '6' }, { partition: 1, offset: '8' }, { partition: 2, offset: '-1' }] : []),
    setOffsets: async (o) => void set.push(o),
    describeGroups: async () => ({ groups: [{ groupId: 'g', state: (states.length > 1 ? states.shift()! : states[0]!) as ConsumerGroupState, members: [], protocol: '', protocolType: '', errorCode: 0 }] }),
  };
  return { admin, set };
}

const req = { groupId: 'g', topic: 't', localMembers: 0, settleMs: 1000 };

describe('positioning a consumer group', () => {
  it('pins a new group without fromOffset to the current end (latest), so nothing published after subscribe is skipped', async () => {
    const { admin, set } = fakeAdmin();
    expect(await positionGroup(admin, req)).toEqual([{ partition: 0, offset: '12' }, { partition: 1, offset: '9' }, { partition: 2, offset: '0' }]);
    expect(set).toHaveLength(1);
  });

  it('keeps the committed position of an existing group', async () => {
    const { admin, set } = fakeAdmin({ committed: ['5', '-1', '-1'] });
    expect(await positionGroup(admin, req)).toBe('kept');
    expect(set).toEqual([]);
  });

  it('joins a running group at its position when fromOffset is not given', async () => {
    const { admin, set } = fakeAdmin({ states: ['Stable'] });
    expect(await positionGroup(admin, req)).toBe('kept');
    expect(await positionGroup(fakeAdmin().admin, { ...req, localMembers: 1 })).toBe('kept');
    expect(set).toEqual([]);
  });

  it('moves the whole group for earliest and for an offset (by time on the other partitions)', async () => {
    const { admin } = fakeAdmin({ committed: ['5', '5', '0'] });
    expect(await positionGroup(admin, { ...req, fromOffset: 'earliest' })).toEqual([{ partition: 0, offset: '0' }, { partition: 1, offset: '4' }, { partition: 2, offset: '0' }]);
    expect(await positionGroup(admin, { ...req, fromOffset: '0:7:5000' })).toEqual([{ partition: 0, offset: '7' }, { partition: 1, offset: '8' }, { partition: 2, offset: '0' }]);
  });

  it('waits for members that are leaving, then moves the group', async () => {
    const { admin, set } = fakeAdmin({ states: ['PreparingRebalance', 'Empty'] });
    await positionGroup(admin, { ...req, fromOffset: 'earliest' });
    expect(set).toHaveLength(1);
  });

  it('refuses to move a group that keeps running members, with a CONFLICT naming fromOffset', async () => {
    const local = positionGroup(fakeAdmin().admin, { ...req, fromOffset: 'earliest', localMembers: 1 });
    await expect(local).rejects.toMatchObject({ code: 'CONFLICT', field: 'fromOffset', message: expect.stringContaining('running subscription in this process') });
    const remote = positionGroup(fakeAdmin({ states: ['Stable'] }).admin, { ...req, fromOffset: 'latest', settleMs: 0 });
    await expect(remote).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('state Stable') });
  });
});
