import {
  DELETE_MESSAGE_EVENT,
  DISCONNECT_USER_EVENT,
  deleteMessageAttributes,
  disconnectUserAttributes,
  eventFrame,
} from '../domain/messaging';
import { toRfc3339 } from '../domain/ids';
import { roomIdOf } from '../domain/room';
import { logger } from '../shared/logger';
import type { Deps } from './deps';
import { BroadcastDeps, broadcast, closeConnections } from './fan-out';

/** What the moderation actions reach: the room, its connections, the fan-out, its chat log and its history. */
export type ModerationDeps = BroadcastDeps & Pick<Deps, 'rooms' | 'history'>;

/** An EVENT to every connection of the room, now; returns the event's id and frame. */
async function broadcastEvent(
  deps: ModerationDeps,
  roomId: string,
  event: { requestId?: string; eventName: string; attributes?: Record<string, string> },
): Promise<{ id: string; frame: string }> {
  const room = await deps.rooms.get(roomId);
  const id = deps.idClock.newId();
  const frame = eventFrame({ id, ...event, sendTime: toRfc3339(deps.idClock.now()) });
  await broadcast(deps, room, frame);
  return { id, frame };
}

/** SendEvent: an EVENT to every connection of the room, then kept in its history. Returns the event's id. */
export async function sendEvent(
  deps: ModerationDeps & Pick<Deps, 'scope'>,
  roomArn: string,
  event: { eventName: string; attributes?: Record<string, string> },
): Promise<string> {
  const roomId = roomIdOf(roomArn, deps.scope);
  const { id, frame } = await broadcastEvent(deps, roomId, { eventName: event.eventName, attributes: event.attributes });
  await deps.history.keep(roomId, frame);
  return id;
}

/** A DeleteMessage (HTTP) or DELETE_MESSAGE (socket, with its RequestId). */
type MessageDeletion = { messageId: string; reason?: string; requestId?: string };
/** A DisconnectUser (HTTP) or DISCONNECT_USER (socket, with its RequestId). */
type UserDisconnection = { userId: string; reason?: string; requestId?: string };

/** DeleteMessage (HTTP or socket): the aws:DELETE_MESSAGE event, whose id is returned; the message leaves the history. */
export async function deleteMessage(deps: ModerationDeps, roomId: string, request: MessageDeletion): Promise<string> {
  const attributes = deleteMessageAttributes(request.messageId, request.reason);
  const { id } = await broadcastEvent(deps, roomId, { requestId: request.requestId, eventName: DELETE_MESSAGE_EVENT, attributes });
  await deps.history.forget(roomId, request.messageId);
  return id;
}

/**
 * DisconnectUser (HTTP or socket): the room hears aws:DISCONNECT_USER first, then every connection
 * of that user in the room is closed, which the official client takes as a clean server disconnect
 * (no reconnect). A connection still inside its $connect has no socket to close yet (API Gateway
 * answers Gone): the note written before the lookup is what that $connect finds changed once its
 * record is written (see core/sessions.ts), so it is refused instead of opening.
 */
export async function disconnectUser(
  deps: ModerationDeps & Pick<Deps, 'disconnections'>,
  roomId: string,
  request: UserDisconnection,
): Promise<void> {
  const attributes = disconnectUserAttributes(request.userId, request.reason);
  await broadcastEvent(deps, roomId, { requestId: request.requestId, eventName: DISCONNECT_USER_EVENT, attributes });
  await deps.disconnections.note(roomId, request.userId, { id: deps.idClock.newId(), at: deps.idClock.now().getTime() });
  await closeConnections(deps, await deps.connections.idsOfUser(roomId, request.userId));
}

/**
 * After DeleteRoom: every connection of the room is closed and forgotten (so is its presence), and
 * its bans go. Its history is unreachable from now on (ListMessages answers ResourceNotFound, room
 * ids are never reused) and expires with its retention.
 */
export async function closeRoom(deps: Pick<Deps, 'connections' | 'gateway' | 'bans'>, roomId: string): Promise<void> {
  await closeConnections(deps, await deps.connections.idsInRoom(roomId));
  // Best-effort like the closes: the room is gone, so bans left behind by a failure are never read again.
  await deps.bans
    .removeAll(roomId)
    .catch((err: unknown) => logger.warn('could not remove the bans of a deleted room', { roomId, error: err as Error }));
}
