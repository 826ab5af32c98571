import { connectionHash, planShards, shardCountFor, shardOf } from '../../../lambdas/core/shards';
import { parseShard, serializeShard, shardGroupId } from '../../../lambdas/domain/shards';

const ids = (n: number, prefix = 'c') => Array.from({ length: n }, (_, i) => `${prefix}${i}AbCdEf=`);
const fanOut = (connectionIds: string[]) => ({ roomId: 'abcdEFGH1234', frame: '{"Type":"MESSAGE"}', connectionIds, connectedBefore: 42 });

test('one shard up to the threshold, then the power of two that keeps shards at the threshold on average', () => {
  expect([1, 2_000].map((n) => shardCountFor(n, 2_000))).toEqual([1, 1]);
  expect([2_001, 4_000, 4_001, 8_000, 8_001, 50_000].map((n) => shardCountFor(n, 2_000))).toEqual([2, 2, 4, 4, 8, 32]);
  expect(shardCountFor(10_000_000, 100)).toBe(256);
});

test('a small room is one shard of every connection, in order', () => {
  const connectionIds = ids(5);
  expect(planShards(fanOut(connectionIds), 2_000)).toEqual([{ ...fanOut(connectionIds), shard: 0, shardCount: 1 }]);
});

test('every connection is in exactly one shard, the one its hash names; shards are near even', () => {
  const connectionIds = ids(10_000);
  const shards = planShards(fanOut(connectionIds), 2_000);
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
  const before = planShards(fanOut(ids(5_000)), 2_000);
  const after = planShards(fanOut([...ids(5_000).slice(700), ...ids(1_500, 'new')]), 2_000);
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
  const [shard] = planShards(fanOut(ids(3)), 2_000);
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
