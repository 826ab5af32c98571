import { createCountingMetrics } from '../../../lambdas/adapters/metrics';
import {
  DEFAULT_SHARD_SIZE,
  MAX_SHARDS,
  connectionHash,
  deliverQueuedShards,
  planShards,
  shardCountFor,
  shardOf,
} from '../../../lambdas/core/shards';
import type { ConnectionStore } from '../../../lambdas/data/connections';
import { logger } from '../../../lambdas/shared/logger';
import { testFanOut } from '../../fixtures/fakes';
import { ShardMessage, parseShard, serializeShard, shardGroupId } from '../../../lambdas/domain/shards';

const ids = (n: number, prefix = 'c') => Array.from({ length: n }, (_, i) => `${prefix}${i}AbCdEf=`);
const fanOut = (connectionIds: string[]) => ({ roomId: 'abcdEFGH1234', frame: '{"Type":"MESSAGE"}', connectionIds, connectedBefore: 42 });

const at2000 = { shardThreshold: 2_000, shardSize: 2_000 };

test('one shard up to the threshold, then the power of two that keeps shards at the shard size on average', () => {
  expect([1, 2_000].map((n) => shardCountFor(n, at2000))).toEqual([1, 1]);
  expect([2_001, 4_000, 4_001, 8_000, 8_001, 50_000].map((n) => shardCountFor(n, at2000))).toEqual([2, 2, 4, 4, 8, 32]);
  const byDefault = { shardThreshold: 2_000, shardSize: DEFAULT_SHARD_SIZE };
  expect([2_000, 2_001, 50_000].map((n) => shardCountFor(n, byDefault))).toEqual([1, 8, 128]);
  expect(shardCountFor(10_000_000, { shardThreshold: 100, shardSize: 100 })).toBe(MAX_SHARDS);
});

test('a small room is one shard of every connection, in order', () => {
  const connectionIds = ids(5);
  expect(planShards(fanOut(connectionIds), at2000)).toEqual([{ ...fanOut(connectionIds), shard: 0, shardCount: 1 }]);
});

test('every connection is in exactly one shard, the one its hash names; shards are near even', () => {
  const connectionIds = ids(10_000);
  const shards = planShards(fanOut(connectionIds), at2000);
  expect(shards.map((s) => s.shard)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  expect(shards.flatMap((s) => s.connectionIds).sort()).toEqual([...connectionIds].sort());
  for (const shard of shards) {
    expect(shard).toMatchObject({ roomId: 'abcdEFGH1234', shardCount: 8, frame: '{"Type":"MESSAGE"}', connectedBefore: 42 });
    for (const id of shard.connectionIds) expect(shardOf(id, 8)).toBe(shard.shard);
    expect(shard.connectionIds.length).toBeGreaterThan(1_250 * 0.8);
    expect(shard.connectionIds.length).toBeLessThan(1_250 * 1.2);
  }
});

test("a connection keeps its shard while the room's shard count holds, whoever joins or leaves", () => {
  const before = planShards(fanOut(ids(5_000)), at2000);
  const after = planShards(fanOut([...ids(5_000).slice(700), ...ids(1_500, 'new')]), at2000);
  expect(before[0]?.shardCount).toBe(4);
  expect(after[0]?.shardCount).toBe(4);
  const shardIn = (shards: typeof before) => new Map(shards.flatMap((s) => s.connectionIds.map((id) => [id, s.shard] as const)));
  const [was, is] = [shardIn(before), shardIn(after)];
  for (const [id, shard] of is) if (was.has(id)) expect(shard).toBe(was.get(id));
});

test('the hash is FNV-1a, stable across processes and versions', () => {
  expect(connectionHash('')).toBe(0x811c9dc5);
  expect(connectionHash('a')).toBe(0xe40c292c);
  expect(connectionHash('foobar')).toBe(0xbf9cf968);
});

test('a shard message survives the queue; anything else is refused', () => {
  const [shard] = planShards(fanOut(ids(3)), at2000);
  expect(parseShard(serializeShard(shard!))).toEqual(shard);
  expect(shardGroupId(shard!)).toBe('abcdEFGH1234-0');
  for (const bad of [
    '',
    'null',
    '[]',
    '{"roomId":"r"}',
    JSON.stringify({ ...shard, connectionIds: [1] }),
    JSON.stringify({ ...shard, shard: '0' }),
  ]) {
    expect(parseShard(bad)).toBeUndefined();
  }
});

describe("the shard worker's batch", () => {
  const deps = (posted: [string, string][], failRemove = false) => ({
    gateway: {
      post: async (id: string, frame: string) => {
        posted.push([id, frame]);
        return id !== 'gone';
      },
      disconnect: async () => undefined,
    },
    connections: {
      remove: async () => {
        if (failRemove) throw new Error('DynamoDB is down');
      },
    } as unknown as ConnectionStore,
    metrics: createCountingMetrics(),
    fanOut: testFanOut(),
  });
  const shard = (roomId: string, frame: string, connectionIds: string[]) =>
    ({ roomId, shard: 0, shardCount: 2, frame, connectionIds, connectedBefore: 0 }) satisfies ShardMessage;
  const queued = (id: string, s: ShardMessage) => ({ id, groupId: shardGroupId(s), body: serializeShard(s) });

  test("each group's shards reach each connection in queue order, once; a body that is no shard is dropped, not retried", async () => {
    const posted: [string, string][] = [];
    const logged = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    try {
      const failed = await deliverQueuedShards(deps(posted), [
        queued('1', shard('roomA', 'a1', ['x', 'y'])),
        queued('2', shard('roomB', 'b1', ['z'])),
        { id: '3', groupId: 'roomA-0', body: 'not a shard' },
        queued('4', shard('roomA', 'a2', ['y', 'x', 'gone'])),
        queued('5', shard('roomA', 'a3', ['x', 'gone'])),
      ]);
      expect(failed).toEqual([]);
      expect(logged).toHaveBeenCalledWith('dropped a queue message that is no shard', { messageId: '3' });
    } finally {
      logged.mockRestore();
    }
    const to = (id: string) => posted.filter(([c]) => c === id).map(([, f]) => f);
    expect(to('x')).toEqual(['a1', 'a2', 'a3']);
    expect(to('y')).toEqual(['a1', 'a2']);
    expect(to('z')).toEqual(['b1']);
    expect(to('gone')).toEqual(['a2']);
  });

  test("a gone connection's record that cannot be removed fails nothing; a group that cannot be worked fails whole", async () => {
    const posted: [string, string][] = [];
    const batch = [queued('1', shard('roomA', 'a1', ['x', 'gone'])), queued('2', shard('roomA', 'a2', ['x']))];
    expect(await deliverQueuedShards(deps(posted, true), batch)).toEqual([]);
    const logged = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    try {
      const broken = {
        ...deps(posted),
        metrics: {
          count: () => {
            throw new Error('no metrics');
          },
          publish: () => undefined,
        },
      };
      expect(await deliverQueuedShards(broken, batch)).toEqual(['1', '2']);
      expect(logged).toHaveBeenCalledWith('could not deliver shards', expect.objectContaining({ roomId: 'roomA', shards: 2 }));
    } finally {
      logged.mockRestore();
    }
  });
});
