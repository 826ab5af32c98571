import { createHash } from 'node:crypto';
import { SQSClient, SQSClientConfig, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { ShardDispatcher } from '../core/ports';
import { ShardMessage, serializeShard, shardGroupId } from '../domain/shards';
import { logger } from '../shared/logger';

/** SendMessageBatch takes 10 entries at most, 256 KiB in all (one message alone at most as much). */
const MAX_BATCH_ENTRIES = 10;
const MAX_BATCH_BYTES = 256 * 1024;

/**
 * The AWS shard dispatcher: SendMessageBatch to the FIFO shard queue, one message per shard, its
 * group the room's shard (so one shard's messages are delivered one after another) and its
 * deduplication id the hash of its body (so the SDK's own retry of a batch queues nothing twice).
 * Shards it could not queue (too big, refused, or the call failed) are handed back, not thrown.
 */
export function createSqsShardDispatcher(options: {
  queueUrl: string;
  region: string;
  clientConfig?: Partial<SQSClientConfig>;
}): ShardDispatcher {
  const client = new SQSClient({ region: options.region, ...options.clientConfig });
  return {
    dispatch: async (shards) => {
      const { batches, oversized } = batchesOf(shards);
      const failed = await Promise.all(batches.map((batch) => send(batch)));
      return [...oversized, ...failed.flat()];
    },
  };

  async function send(batch: { shard: ShardMessage; body: string }[]): Promise<ShardMessage[]> {
    try {
      const result = await client.send(
        new SendMessageBatchCommand({
          QueueUrl: options.queueUrl,
          Entries: batch.map(({ shard, body }, i) => ({
            Id: String(i),
            MessageBody: body,
            MessageGroupId: shardGroupId(shard),
            MessageDeduplicationId: createHash('sha256').update(body).digest('hex'),
          })),
        }),
      );
      const refused = (result.Failed ?? []).map((f) => batch[Number(f.Id)]?.shard).filter((s): s is ShardMessage => s !== undefined);
      if (refused.length > 0) logger.warn('the shard queue refused shards', { refused: refused.length, code: result.Failed?.[0]?.Code });
      return refused;
    } catch (err) {
      logger.warn('could not queue shards', { shards: batch.length, error: err as Error });
      return batch.map((entry) => entry.shard);
    }
  }
}

/** Shards packed in order into batches within SQS's limits; a shard too big for any message on its own. */
function batchesOf(shards: readonly ShardMessage[]) {
  const batches: { shard: ShardMessage; body: string }[][] = [];
  const oversized: ShardMessage[] = [];
  let current: { shard: ShardMessage; body: string }[] = [];
  let bytes = 0;
  for (const shard of shards) {
    const body = serializeShard(shard);
    const size = Buffer.byteLength(body);
    if (size > MAX_BATCH_BYTES) {
      oversized.push(shard);
      continue;
    }
    if (current.length === MAX_BATCH_ENTRIES || bytes + size > MAX_BATCH_BYTES) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push({ shard, body });
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return { batches, oversized };
}
