import type { Room } from '../domain/room';
import { logger } from '../shared/logger';
import type { Deps } from './deps';

/** Posts in flight per fan-out: enough to hide latency, few enough not to swamp the gateway. */
export const FAN_OUT_PARALLELISM = 32;
/** Longer than $connect may take (API Gateway's 29 s integration timeout): a younger record may be mid-handshake. */
const HANDSHAKE_GRACE_MS = 30_000;

/**
 * Sends one serialised frame to every connection of a room: one index query per message, bounded
 * parallel posts. A connection the gateway reports gone loses its own stale record; one that
 * fails otherwise is skipped, so no recipient can hold up or break delivery to the others.
 * Then the frame goes to the room's chat log, if it has one: after the fan-out, so logging never
 * delays a delivery (and never fails it: the chat log does not reject).
 */
export async function broadcast(
  deps: Pick<Deps, 'idClock' | 'connections' | 'gateway' | 'chatLog'>,
  room: Room,
  frame: string,
): Promise<void> {
  const ids = await deps.connections.idsInRoom(room.id);
  const connectedBefore = deps.idClock.now().getTime() - HANDSHAKE_GRACE_MS;
  await eachLimited(ids, FAN_OUT_PARALLELISM, async (id) => {
    const delivered = await deps.gateway.post(id, frame).catch(() => true);
    // API Gateway answers Gone for a connection whose handshake is still completing after $connect
    // wrote its record: only a record older than that window is stale.
    if (!delivered) await deps.connections.remove(id, { connectedBefore }).catch(() => undefined);
  });
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

/** Runs `run` over `items` with at most `limit` in flight. */
export async function eachLimited<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await run(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
