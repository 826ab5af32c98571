// Fan-out past one invocation: a big room's connections split into shards, each delivered by its
// own invocation of the shard worker (docs/fan-out.md says why and how order is kept).
import { logger } from '../shared/logger';
import type { Deps } from './deps';
import { ConnectionFrames, DeliveryReport, deliverInOrder, droppedByReason } from './delivery';
import { ShardMessage, parseShard } from '../domain/shards';

/** Shards per room at most: a power of two; 256 shards of 500 is a room of 128,000. */
export const MAX_SHARDS = 256;
/**
 * Connections per shard, on average. A queue group's shards are delivered one batch after another,
 * so one shard's connections get at most SHARD_PARALLELISM / post latency posts per second
 * (128 / 20 ms = 6,400/s): 500 connections per shard keep up with a room sending 12 messages a
 * second, and many shards make many worker invocations at once.
 */
export const DEFAULT_SHARD_SIZE = 500;
/** Posts in flight per shard-worker invocation: it does nothing else, and more groups mean more invocations. */
export const SHARD_PARALLELISM = 128;

/** 32-bit FNV-1a of a connection id: cheap, stable across processes and versions, well spread. */
export function connectionHash(connectionId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < connectionId.length; i++) {
    hash ^= connectionId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

export interface ShardPlan {
  /** Rooms with more connections than this are sharded. */
  shardThreshold: number;
  /** Connections per shard on average, past the threshold. */
  shardSize: number;
}

/**
 * How many shards a room of `connections` gets: 1 up to the threshold, else the power of two that
 * keeps shards at or under the shard size on average. A power of two changes only when the room
 * doubles or halves, and so does a connection's shard (its hash modulo the count): while the count
 * holds, every message a connection receives goes through the same shard, one queue group, in order.
 */
export function shardCountFor(connections: number, plan: ShardPlan): number {
  if (connections <= plan.shardThreshold) return 1;
  let count = 2;
  while (count * plan.shardSize < connections && count < MAX_SHARDS) count *= 2;
  return count;
}

/** The shard a connection belongs to among `shardCount`. */
export const shardOf = (connectionId: string, shardCount: number): number => connectionHash(connectionId) % shardCount;

/** Splits one fan-out into its shards (none empty), in shard order. One shard when the room is small. */
export function planShards(
  fanOut: { roomId: string; frame: string; connectionIds: readonly string[]; connectedBefore: number },
  plan: ShardPlan,
): ShardMessage[] {
  const shardCount = shardCountFor(fanOut.connectionIds.length, plan);
  if (shardCount === 1) {
    // Every room under the threshold, every message: no hashing, the ids as they are.
    const { roomId, frame, connectionIds, connectedBefore } = fanOut;
    return connectionIds.length === 0 ? [] : [{ roomId, shard: 0, shardCount, frame, connectionIds: [...connectionIds], connectedBefore }];
  }
  const groups: string[][] = Array.from({ length: shardCount }, () => []);
  for (const id of fanOut.connectionIds) (groups[shardOf(id, shardCount)] as string[]).push(id);
  return groups.flatMap((connectionIds, shard) =>
    connectionIds.length === 0
      ? []
      : [{ roomId: fanOut.roomId, shard, shardCount, frame: fanOut.frame, connectionIds, connectedBefore: fanOut.connectedBefore }],
  );
}

/** Each connection with the frames of the shards it is in, in shard order; one shard (the common case) needs no map. */
function framesByConnection(shards: readonly ShardMessage[]): ConnectionFrames[] {
  const [only] = shards;
  if (shards.length === 1 && only) return only.connectionIds.map((connectionId) => ({ connectionId, frames: [only.frame] }));
  const frames = new Map<string, string[]>();
  for (const shard of shards) {
    for (const id of shard.connectionIds) {
      const list = frames.get(id);
      if (list) list.push(shard.frame);
      else frames.set(id, [shard.frame]);
    }
  }
  return [...frames].map(([connectionId, list]) => ({ connectionId, frames: list }));
}

export type ShardDeliveryDeps = Pick<Deps, 'connections' | 'gateway' | 'metrics' | 'fanOut'>;

/** Delivers one shard: a whole small room, or one shard of a big one. */
export const deliverShard = (deps: ShardDeliveryDeps, shard: ShardMessage): Promise<DeliveryReport> => deliverShards(deps, [shard]);

/**
 * Delivers shards of one queue group (one, or a worker's batch of them, in queue order): each
 * connection gets the frames of the shards it is in, in that order, with retries; gone connections
 * lose their stale record; the outcome counted, and logged once when anything failed. The same
 * code whether the fan-out's own invocation or the shard worker runs it.
 */
export async function deliverShards(
  deps: ShardDeliveryDeps,
  shards: readonly ShardMessage[],
  parallelism = deps.fanOut.parallelism,
): Promise<DeliveryReport> {
  const deliveries = framesByConnection(shards);
  const report = await deliverInOrder(deps.gateway, deliveries, { ...deps.fanOut, parallelism });
  // API Gateway answers Gone for a connection whose handshake is still completing after $connect
  // wrote its record: only a record older than that window (the earliest shard's) is stale.
  const connectedBefore = Math.min(...shards.map((s) => s.connectedBefore));
  await Promise.all(report.gone.map((id) => deps.connections.remove(id, { connectedBefore }).catch(() => undefined)));
  const { metrics } = deps;
  metrics.count('Deliveries', report.delivered);
  metrics.count('Gone', report.gone.length);
  metrics.count('Throttled', report.throttled);
  metrics.count('Retried', report.retried);
  metrics.count('Dropped', report.dropped.length);
  if (report.dropped.length > 0 || report.retried > 0) {
    const [first] = shards;
    const fields = {
      roomId: first?.roomId,
      shard: first?.shard,
      shardCount: first?.shardCount,
      messages: shards.length,
      connections: deliveries.length,
      delivered: report.delivered,
      gone: report.gone.length,
      throttled: report.throttled,
      retried: report.retried,
      dropped: report.dropped.length,
      droppedBy: droppedByReason(report),
    };
    if (report.dropped.length > 0) logger.warn('fan-out dropped deliveries', fields);
    else logger.info('fan-out delivered after retries', fields);
  }
  return report;
}

/** One queued shard as the worker receives it: the queue's id for it, its group, its body. */
export interface QueuedShard {
  id: string;
  groupId: string;
  body: string;
}

/**
 * The shard worker's batch: groups in parallel, each group's shards delivered together, every
 * connection getting them in queue order (the order their fan-outs queued them). Dropped posts do
 * not fail a shard (its other connections would get the frame twice on a redelivery): they are
 * counted and logged. If a group could not be worked at all, all of it fails, as a FIFO queue
 * requires; the queue redelivers it in order, then parks it in its dead-letter queue. Resolves with
 * the ids of the failed ones. A body that is no shard is logged and dropped, never retried.
 */
export async function deliverQueuedShards(deps: ShardDeliveryDeps, batch: readonly QueuedShard[]): Promise<string[]> {
  const groups = new Map<string, QueuedShard[]>();
  for (const queued of batch) groups.set(queued.groupId, [...(groups.get(queued.groupId) ?? []), queued]);
  const failed = await Promise.all(
    [...groups.values()].map(async (group) => {
      const shards = group.flatMap((queued) => {
        const shard = parseShard(queued.body);
        if (!shard) logger.error('dropped a queue message that is no shard', { messageId: queued.id });
        return shard ? [shard] : [];
      });
      try {
        if (shards.length > 0) await deliverShards(deps, shards, SHARD_PARALLELISM);
        return [];
      } catch (err) {
        logger.error('could not deliver shards', { roomId: shards[0]?.roomId, shards: shards.length, error: err as Error });
        return group.map((q) => q.id);
      }
    }),
  );
  return failed.flat();
}
