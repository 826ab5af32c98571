import { createCountingMetrics } from '../../../lambdas/adapters/metrics';
import { BroadcastDeps, broadcast } from '../../../lambdas/core/fan-out';
import type { ShardDispatcher } from '../../../lambdas/core/ports';
import type { ConnectionStore } from '../../../lambdas/data/connections';
import type { Room } from '../../../lambdas/domain/room';
import { logger } from '../../../lambdas/shared/logger';
import { testFanOut, virtualClock } from '../../fixtures/fakes';

const NOW = new Date('2026-01-01T00:00:00Z');
const room = { id: 'abcdEFGH1234', arn: 'arn:aws:ivschat:us-east-1:000000000000:room/abcdEFGH1234' } as Room;
const POST_MS = 20;

/**
 * A room of `size` connections past the shard threshold, a dispatcher that queues none of its
 * shards (SQS refusing them), and a gateway whose every post takes 20 ms of the virtual clock.
 */
function bigRoomWithoutQueue(size: number) {
  const ids = Array.from({ length: size }, (_, i) => `c${i}AbCdEf=`);
  const clock = virtualClock();
  const posted: string[] = [];
  const dispatcher: ShardDispatcher = { dispatch: async (shards) => [...shards] };
  const metrics = createCountingMetrics();
  const deps: BroadcastDeps = {
    idClock: { newId: () => 'id', now: () => NOW },
    connections: { idsInRoom: async () => ids, remove: async () => undefined } as unknown as ConnectionStore,
    gateway: {
      post: async (id) => {
        await clock.sleep(POST_MS);
        posted.push(id);
        return true;
      },
      disconnect: async () => undefined,
    },
    chatLog: { record: async () => undefined, flush: async () => undefined },
    metrics,
    fanOut: { ...testFanOut({ clock, shardThreshold: 100, shardSize: 100 }), dispatcher },
  };
  return { deps, clock, posted, ids, metrics };
}

test('shards the queue refused are delivered here under one deadline, not one deadline each', async () => {
  jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
  const { deps, clock, posted, ids, metrics } = bigRoomWithoutQueue(3_000);
  await broadcast(deps, room, '{"Type":"MESSAGE"}');
  const { deadlineMs } = deps.fanOut.policy;
  // One after another with a deadline each, 3,000 posts of 20 ms took 60 s: past any Lambda timeout.
  expect(clock.now()).toBeLessThanOrEqual(deadlineMs + POST_MS * 32 * 2);
  // What the deadline cut off is counted as dropped (and logged), never silently skipped.
  expect(metrics.totals.Dropped).toBeGreaterThan(0);
  expect(posted.length + metrics.totals.Dropped).toBe(ids.length);
  expect(new Set(posted).size).toBe(posted.length);
});

test('a refused big room that fits the deadline reaches every connection once', async () => {
  jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
  const { deps, posted, ids } = bigRoomWithoutQueue(300);
  await broadcast(deps, room, '{"Type":"MESSAGE"}');
  expect([...posted].sort()).toEqual([...ids].sort());
});
