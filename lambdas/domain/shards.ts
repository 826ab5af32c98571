// The shard message: what the fan-out queues for one shard of a big room, and the shard worker reads.

/** One shard of a fan-out, as the worker that delivers it receives it (lambdas/core/shards.ts splits a fan-out into them). */
export interface ShardMessage {
  roomId: string;
  /** This shard's index among `shardCount`; a connection's shard is a hash of its id. */
  shard: number;
  shardCount: number;
  frame: string;
  connectionIds: string[];
  /** Gone connections whose record is older than this are removed (see the handshake grace in core/fan-out.ts). */
  connectedBefore: number;
}

/** The queue message group of a shard: one per room and shard, so a shard's messages are delivered one after another. */
export const shardGroupId = (shard: Pick<ShardMessage, 'roomId' | 'shard'>): string => `${shard.roomId}-${shard.shard}`;

/** A shard message as the queue carries it. */
export const serializeShard = (shard: ShardMessage): string => JSON.stringify(shard);

/** Reads a shard message back; undefined for anything that is not one (nothing else is ever queued). */
export function parseShard(body: string): ShardMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  const v = value as Partial<ShardMessage> | null;
  const ok =
    typeof v === 'object' &&
    v !== null &&
    typeof v.roomId === 'string' &&
    typeof v.frame === 'string' &&
    Number.isInteger(v.shard) &&
    Number.isInteger(v.shardCount) &&
    typeof v.connectedBefore === 'number' &&
    Array.isArray(v.connectionIds) &&
    v.connectionIds.every((id) => typeof id === 'string');
  return ok ? (v as ShardMessage) : undefined;
}
