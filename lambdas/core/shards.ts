// Fan-out past one invocation: a big room's connections split into shards, each delivered by its
// own invocation of the shard worker (docs/fan-out.md says why and how order is kept).
import { logger } from '../shared/logger';
import type { Deps } from './deps';
import { DeliveryReport, deliverFrame, droppedByKind } from './delivery';
import { ShardMessage, parseShard } from '../domain/shards';

/** Shards per room at most: a power of two, and 256 x 5,000 connections is far past any room here. */
export const MAX_SHARDS = 256;

/** 32-bit FNV-1a of a connection id: cheap, stable across processes and versions, well spread. */
export function connectionHash(connectionId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < connectionId.length; i++) {
    hash ^= connectionId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/**
 * How many shards a room of `connections` gets: 1 up to the threshold, else the power of two that
 * keeps each shard at or under the threshold on average. A power of two changes only when the room
 * doubles or halves, and so does a connection's shard (its hash modulo the count): while the count
 * holds, every message a connection receives goes through the same shard, one queue group, in order.
 */
export function shardCountFor(connections: number, threshold: number): number {
  if (connections <= threshold) return 1;
  let count = 2;
  while (count * threshold < connections && count < MAX_SHARDS) count *= 2;
  return count;
}

/** The shard a connection belongs to among `shardCount`. */
export const shardOf = (connectionId: string, shardCount: number): number => connectionHash(connectionId) % shardCount;

/** Splits one fan-out into its shards (none empty), in shard order. One shard when the room is small. */
export function planShards(
  fanOut: { roomId: string; frame: string; connectionIds: readonly string[]; connectedBefore: number },
  threshold: number,
): ShardMessage[] {
  const shardCount = shardCountFor(fanOut.connectionIds.length, threshold);
  const groups: string[][] = Array.from({ length: shardCount }, () => []);
  for (const id of fanOut.connectionIds) (groups[shardOf(id, shardCount)] as string[]).push(id);
  return groups.flatMap((connectionIds, shard) =>
    connectionIds.length === 0
      ? []
      : [{ roomId: fanOut.roomId, shard, shardCount, frame: fanOut.frame, connectionIds, connectedBefore: fanOut.connectedBefore }],
  );
}

export type ShardDeliveryDeps = Pick<Deps, 'connections' | 'gateway' | 'metrics' | 'fanOut'>;

/**
 * Delivers one shard (a whole small room, or one shard of a big one): the frame to each connection,
 * with retries; gone connections lose their stale record; the outcome counted, and logged once when
 * anything failed. The same code whether the fan-out's own invocation or the shard worker runs it.
 */
export async function deliverShard(deps: ShardDeliveryDeps, shard: ShardMessage): Promise<DeliveryReport> {
  const report = await deliverFrame(deps.gateway, shard.connectionIds, shard.frame, deps.fanOut);
  // API Gateway answers Gone for a connection whose handshake is still completing after $connect
  // wrote its record: only a record older than that window is stale.
  await Promise.all(
    report.gone.map((id) => deps.connections.remove(id, { connectedBefore: shard.connectedBefore }).catch(() => undefined)),
  );
  const { metrics } = deps;
  metrics.count('Deliveries', report.delivered);
  metrics.count('Gone', report.gone.length);
  metrics.count('Throttled', report.throttled);
  metrics.count('Retried', report.retried);
  metrics.count('Dropped', report.dropped.length);
  if (report.dropped.length > 0 || report.retried > 0) {
    const fields = {
      roomId: shard.roomId,
      shard: shard.shard,
      shardCount: shard.shardCount,
      connections: shard.connectionIds.length,
      delivered: report.delivered,
      gone: report.gone.length,
      throttled: report.throttled,
      retried: report.retried,
      dropped: report.dropped.length,
      droppedBy: droppedByKind(report),
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
 * The shard worker's batch: groups in parallel, each group's shards one after another in queue
 * order (the order their fan-outs queued them). Dropped posts do not fail a shard (its other
 * connections would get the frame twice on a redelivery): they are counted and logged. A shard
 * that could not be worked at all fails, and so does the rest of its group, as a FIFO queue
 * requires; the queue redelivers them in order, then parks them in its dead-letter queue. Resolves
 * with the ids of the failed ones. A body that is no shard is logged and dropped, never retried.
 */
export async function deliverQueuedShards(deps: ShardDeliveryDeps, batch: readonly QueuedShard[]): Promise<string[]> {
  const groups = new Map<string, QueuedShard[]>();
  for (const queued of batch) groups.set(queued.groupId, [...(groups.get(queued.groupId) ?? []), queued]);
  const failed = await Promise.all(
    [...groups.values()].map(async (group) => {
      for (const [i, queued] of group.entries()) {
        const shard = parseShard(queued.body);
        if (!shard) {
          logger.error('dropped a queue message that is no shard', { messageId: queued.id });
          continue;
        }
        try {
          await deliverShard(deps, shard);
        } catch (err) {
          logger.error('could not deliver a shard', { messageId: queued.id, roomId: shard.roomId, error: err as Error });
          return group.slice(i).map((q) => q.id);
        }
      }
      return [];
    }),
  );
  return failed.flat();
}
