import type { Room } from '../domain/room';
import { logger } from '../shared/logger';
import type { Deps } from './deps';
import { FAN_OUT_PARALLELISM, eachLimited } from './delivery';
import { deliverShards, planShards } from './shards';

/** Longer than $connect may take (API Gateway's 29 s integration timeout): a younger record may be mid-handshake. */
const HANDSHAKE_GRACE_MS = 30_000;

export type BroadcastDeps = Pick<Deps, 'idClock' | 'connections' | 'gateway' | 'chatLog' | 'metrics' | 'fanOut'>;

/**
 * Sends one serialised frame to every connection of a room: one index query per message, then
 * either the delivery here (bounded parallel posts, each failure but Gone retried within a
 * deadline, see delivery.ts) or, for a room past the shard threshold where a dispatcher is wired
 * (AWS), one shard per invocation of the shard worker. A connection the gateway reports gone loses
 * its own stale record; no recipient can hold up or break delivery to the others.
 * Then the frame goes to the room's chat log, if it has one: after the fan-out, so logging never
 * delays a delivery (and never fails it: the chat log does not reject).
 */
export async function broadcast(deps: BroadcastDeps, room: Room, frame: string): Promise<void> {
  const connectionIds = await deps.connections.idsInRoom(room.id);
  const connectedBefore = deps.idClock.now().getTime() - HANDSHAKE_GRACE_MS;
  deps.metrics.count('Messages', 1);
  const { dispatcher } = deps.fanOut;
  const plan = dispatcher ? deps.fanOut : { shardThreshold: Infinity, shardSize: Infinity };
  const shards = planShards({ roomId: room.id, frame, connectionIds, connectedBefore }, plan);
  // Past the threshold every shard goes through the queue, even when the hashes put all in one:
  // a connection's messages then always take the same path. Shards the queue did not take are
  // delivered here: late beats never.
  const sharded = dispatcher !== undefined && (shards[0]?.shardCount ?? 1) > 1;
  const undispatched = sharded ? await dispatcher.dispatch(shards) : shards;
  if (undispatched.length > 0 && undispatched !== shards) {
    logger.warn('could not queue shards of a fan-out, delivering them here', { roomId: room.id, shards: undispatched.length });
  }
  // All together, under one deadline: one after another, each with its own, a big room's shards
  // would outlast the invocation's timeout and the later ones would never be delivered.
  if (undispatched.length > 0) await deliverShards(deps, undispatched);
  await deps.chatLog.record(room, frame);
}

/**
 * Closes connections best-effort. Callers (DeleteRoom, DisconnectUser) have already done their
 * work when this runs; failing them now would make the SDK retry into a 404 or a second
 * aws:DISCONNECT_USER event, so one connection that cannot be closed is logged, not thrown.
 */
export async function closeConnections(deps: Pick<Deps, 'connections' | 'gateway'>, ids: string[]): Promise<void> {
  await eachLimited(ids, FAN_OUT_PARALLELISM, async (id) => {
    try {
      await deps.gateway.disconnect(id);
      await deps.connections.remove(id);
    } catch (err) {
      logger.warn('could not close a connection', { connectionId: id, error: err as Error });
    }
  });
}
