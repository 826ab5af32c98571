import type { Connection } from '../data/connections';
import { ACTION_CAPABILITY, ClientAction, contentLength, errorFrame, messageFrame, parseClientAction } from '../domain/messaging';
import { toRfc3339 } from '../domain/ids';
import { MessagingError, messagingErrorOf } from '../shared/errors';
import { logger } from '../shared/logger';
import type { Deps } from './deps';
import { BroadcastDeps, broadcast } from './fan-out';
import { deleteMessage, disconnectUser } from './moderation';
import { reviewMessage } from './review';
import { endSession } from './sessions';

/** What a client frame may reach: its connection, its room, and what its actions do. */
export type FrameDeps = BroadcastDeps & Pick<Deps, 'rooms' | 'disconnections' | 'rates' | 'reviewHandlers' | 'history'>;

/**
 * One client frame from $default. Refusals go back as an ERROR frame to this connection only;
 * nothing a client sends can affect another connection except through the actions it may take.
 */
export async function handleFrame(deps: FrameDeps, connectionId: string, body: string): Promise<void> {
  const parsed = parseClientAction(body);
  try {
    // A frame that cannot be a request is refused before anything is read for it: a client
    // flooding garbage costs the table nothing.
    if (parsed.error || !parsed.action) throw parsed.error ?? new MessagingError(400, 'Invalid request');
    const action = parsed.action;
    // Inside the try: the official client has no request timeout, so every failure, this read's
    // included, must reach the client as an ERROR or its promise stays pending for good.
    const connection = await deps.connections.get(connectionId);
    if (!connection) {
      await closeZombie(deps, connectionId, parsed.requestId);
      return;
    }
    if (connection.sessionExpiresAt <= deps.idClock.now().getTime()) {
      // The sweeper has not closed it yet. The 401 carries the RequestId so that the client settles
      // this request instead of leaving it pending while it reconnects.
      await endSession(deps, connectionId, parsed.requestId);
      return;
    }
    if (!connection.capabilities.includes(ACTION_CAPABILITY[action.Action])) {
      throw new MessagingError(403, `The chat token does not grant ${ACTION_CAPABILITY[action.Action]}`);
    }
    await perform(deps, connection, action);
  } catch (err) {
    const { code, message } = messagingErrorOf(err);
    await deps.gateway
      .post(connectionId, errorFrame({ id: deps.idClock.newId(), requestId: parsed.requestId, code, message }))
      .catch((postErr: unknown) => logger.error('could not send an ERROR frame', { error: postErr as Error }));
  }
}

/**
 * A socket that sends a frame but has no record: a DeleteRoom or DisconnectUser removed it while
 * the socket was still inside $connect, where API Gateway cannot close it yet (see
 * core/sessions.ts). It was meant to be closed, so it is now: an ERROR that settles the client's
 * request (not 401, on which the official client would reconnect), then a clean close, which the
 * official client takes as a server disconnect.
 */
async function closeZombie(deps: FrameDeps, connectionId: string, requestId: string | undefined): Promise<void> {
  logger.info('closing a connection that has no record', { connectionId });
  await deps.gateway
    .post(connectionId, errorFrame({ id: deps.idClock.newId(), requestId, code: 403, message: 'The connection is closed' }))
    .catch((err: unknown) => logger.warn('could not send an ERROR frame before the close', { error: err as Error }));
  await deps.gateway.disconnect(connectionId);
}

async function perform(deps: FrameDeps, connection: Connection, action: ClientAction): Promise<void> {
  switch (action.Action) {
    case 'SEND_MESSAGE': {
      const room = await deps.rooms.get(connection.roomId);
      if (contentLength(action.Content) > room.maximumMessageLength) {
        throw new MessagingError(400, `Message content is longer than the room's ${room.maximumMessageLength} characters`);
      }
      const now = deps.idClock.now();
      if (!(await deps.rates.take(room.id, room.maximumMessageRatePerSecond, now.getTime()))) {
        throw new MessagingError(429, `The room allows ${room.maximumMessageRatePerSecond} messages per second`);
      }
      const id = deps.idClock.newId();
      const { content, attributes } = await reviewMessage(deps, room, connection, {
        id,
        content: action.Content,
        attributes: action.Attributes,
      });
      const frame = messageFrame({
        id,
        requestId: action.RequestId,
        content,
        attributes,
        sendTime: toRfc3339(now),
        sender: { userId: connection.userId, attributes: connection.attributes },
      });
      await broadcast(deps, room, frame);
      // As delivered: after the review handler's rewrite (a denied message never got here).
      await deps.history.keep(room.id, frame);
      return;
    }
    case 'DELETE_MESSAGE':
      await deleteMessage(deps, connection.roomId, { messageId: action.Id, reason: action.Reason, requestId: action.RequestId });
      return;
    case 'DISCONNECT_USER':
      await disconnectUser(deps, connection.roomId, { userId: action.UserId, reason: action.Reason, requestId: action.RequestId });
      return;
  }
}
