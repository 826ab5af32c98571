// The shard queue as the simulator models it: an SQS FIFO queue whose Lambda event source hands
// each message group's messages to one invocation at a time, in order, up to 10 per batch.
import type { ShardDispatcher } from '../../lambdas/core/ports';
import { QueuedShard, ShardDeliveryDeps, deliverQueuedShards } from '../../lambdas/core/shards';
import { serializeShard, shardGroupId } from '../../lambdas/domain/shards';

/** SendMessageBatch, one call per 10 shards, in parallel: its latency (ms). */
const SEND_MS = 15;
/** From a message becoming visible to the worker invocation that gets it (the event source's polling). */
const PICKUP_MS = 25;
/** The event source's batch size (the stack's: FIFO's maximum). */
const BATCH_SIZE = 10;

export interface SimulatedShardQueue extends ShardDispatcher {
  /** Resolves once every queued shard has been worked. */
  drained(): Promise<void>;
}

/**
 * The dispatcher the fan-out hands shards to, and the worker side: each group's shards are worked
 * one batch after another by deliverQueuedShards (the shard worker's code), each batch one
 * invocation run through `invoke`; groups run in parallel, as the event source scales out.
 */
export function simulatedShardQueue(options: {
  sleep: (ms: number) => Promise<void>;
  /** Told of each shard once a worker invocation has worked it. */
  worked: (shard: QueuedShard) => void;
  /** Runs `work` as one shard-worker invocation, with that invocation's deps. */
  invoke: <T>(work: (deps: ShardDeliveryDeps) => Promise<T>) => Promise<T>;
}): SimulatedShardQueue {
  const groups = new Map<string, QueuedShard[]>();
  const workers = new Set<Promise<void>>();
  let nextId = 0;

  const work = (groupId: string, queue: QueuedShard[]) => {
    const worker = (async () => {
      while (queue.length > 0) {
        await options.sleep(PICKUP_MS);
        const batch = queue.splice(0, BATCH_SIZE);
        // A shard that fails as a whole would be redelivered by SQS; the simulator's never do (posts do not throw).
        await options.invoke((deps) => deliverQueuedShards(deps, batch));
        batch.forEach(options.worked);
      }
      groups.delete(groupId);
    })();
    workers.add(worker);
    void worker.finally(() => workers.delete(worker));
  };

  return {
    dispatch: async (shards) => {
      await options.sleep(SEND_MS);
      for (const shard of shards) {
        const groupId = shardGroupId(shard);
        const queued = { id: `q${nextId++}`, groupId, body: serializeShard(shard) };
        const queue = groups.get(groupId);
        if (queue) queue.push(queued);
        else {
          const fresh = [queued];
          groups.set(groupId, fresh);
          work(groupId, fresh);
        }
      }
      return [];
    },
    drained: async () => {
      while (workers.size > 0) await Promise.all([...workers]);
    },
  };
}
