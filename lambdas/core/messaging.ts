import type { Connection, ConnectionStore } from '../data/connections';
import type { RateCounter } from '../data/rate-counters';
import type { RoomStore } from '../data/rooms';
import type { UsedTokenStore } from '../data/used-tokens';
import type { Scope } from '../domain/arn';
import { TokenKeySet, openToken } from '../domain/chat-token';
import type { IdClock } from '../domain/ids';
import { toRfc3339 } from '../domain/ids';
import {
  ACTION_CAPABILITY,
  ClientAction,
  DELETE_MESSAGE_EVENT,
  DISCONNECT_USER_EVENT,
  MessagingError,
  contentLength,
  deleteMessageAttributes,
  disconnectUserAttributes,
  errorFrame,
  eventFrame,
  messageFrame,
  parseClientAction,
} from '../domain/messaging';
import type { Room } from '../domain/room';
import { roomIdOf } from '../domain/room';
import type { ConnectionGateway } from '../shared/connection-gateway';
import { ResourceNotFoundException } from '../shared/errors';
import type { ReviewHandlerInvoker } from '../shared/review-handler-invoker';
import { logger } from '../shared/logger';
import { messagingErrorOf } from '../shared/ws';
import type { ChatLog } from './chat-log';
import { reviewMessage } from './review';

/** What the messaging core works with; built once per process in shared/clients.ts. */
export interface MessagingDeps {
  scope: Scope;
  idClock: IdClock;
  rooms: RoomStore;
  connections: ConnectionStore;
  usedTokens: UsedTokenStore;
  rates: RateCounter;
  gateway: ConnectionGateway;
  /** The chat-token keys; loaded once per process (on AWS from Secrets Manager). */
  tokenKeys: () => Promise<TokenKeySet>;
  /** Calls rooms' message review handlers (Lambda on AWS, local modules in local mode). */
  reviewHandlers: ReviewHandlerInvoker;
  /** Where the frames of rooms with logging configurations are logged, after their fan-out. */
  chatLog: ChatLog;
}

/** Posts in flight per fan-out: enough to hide latency, few enough not to swamp the gateway. */
const FAN_OUT_PARALLELISM = 32;
/** Longer than $connect may take (API Gateway's 29 s integration timeout): a younger record may be mid-handshake. */
const HANDSHAKE_GRACE_MS = 30_000;
/** How far back the sweeper looks for sessions that ended (it runs far more often than this). */
const SWEEP_LOOKBACK_MS = 10 * 60_000;

/**
 * Opens a connection for a token presented at $connect. Refusals are MessagingErrors whose code
 * becomes the handshake's HTTP status: 401 for a missing, forged, expired or already used token,
 * 404 when the token's room does not exist.
 */
export async function connect(
  deps: MessagingDeps,
  input: { token: string | undefined; connectionId: string; sourceIp?: string },
): Promise<Connection> {
  if (!input.token) throw new MessagingError(401, 'A chat token is required');
  const now = deps.idClock.now().getTime();
  const claims = await openToken(input.token, await deps.tokenKeys(), new Date(now));
  if (claims === 'invalid') throw new MessagingError(401, 'The chat token is not valid');
  if (claims === 'expired' || claims.sessionExpiresAt <= now) throw new MessagingError(401, 'The chat token has expired');
  const roomId = roomIdOf(claims.roomArn, deps.scope);
  await requireRoom(deps, roomId);
  if (!(await deps.usedTokens.claim(claims.tokenId, claims.tokenExpiresAt))) {
    throw new MessagingError(401, 'The chat token has already been used');
  }
  const connection: Connection = {
    connectionId: input.connectionId,
    roomId,
    roomArn: claims.roomArn,
    userId: claims.userId,
    capabilities: claims.capabilities,
    attributes: claims.attributes,
    sessionExpiresAt: claims.sessionExpiresAt,
    connectedAt: now,
    ...(input.sourceIp ? { sourceIp: input.sourceIp } : {}),
  };
  await deps.connections.put(connection);
  // A DeleteRoom between the check above and the put would leave this connection behind in a
  // room that no longer exists; looking again after the put closes that window.
  const stillThere = await requireRoom(deps, roomId).then(
    () => true,
    (err: unknown) => (err instanceof ResourceNotFoundException ? false : Promise.reject(err)),
  );
  if (!stillThere) {
    await deps.connections.remove(input.connectionId);
    throw new ResourceNotFoundException(`Room not found: ${claims.roomArn}`, roomId, 'ROOM');
  }
  return connection;
}

/** $disconnect: the socket is gone, so is its record. */
export async function disconnected(deps: MessagingDeps, connectionId: string): Promise<void> {
  await deps.connections.remove(connectionId);
}

/**
 * One client frame from $default. Refusals go back as an ERROR frame to this connection only;
 * nothing a client sends can affect another connection except through the actions it may take.
 */
export async function handleFrame(deps: MessagingDeps, connectionId: string, body: string): Promise<void> {
  const parsed = parseClientAction(body);
  try {
    // A frame that cannot be a request is refused before anything is read for it: a client
    // flooding garbage costs the table nothing.
    if (parsed.error || !parsed.action) throw parsed.error ?? new MessagingError(400, 'Invalid request');
    const action = parsed.action;
    // Inside the try: the official client has no request timeout, so every failure, this read's
    // included, must reach the client as an ERROR or its promise stays pending for good.
    const connection = await deps.connections.get(connectionId);
    if (!connection) throw new MessagingError(401, 'The connection is not open');
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

async function perform(deps: MessagingDeps, connection: Connection, action: ClientAction): Promise<void> {
  switch (action.Action) {
    case 'SEND_MESSAGE': {
      const room = await requireRoom(deps, connection.roomId);
      if (contentLength(action.Content) > room.maximumMessageLength) {
        throw new MessagingError(400, `Message content is longer than the room's ${room.maximumMessageLength} characters`);
      }
      const now = deps.idClock.now();
      if (!(await deps.rates.take(room.id, room.maximumMessageRatePerSecond, now.getTime()))) {
        throw new MessagingError(429, `The room allows ${room.maximumMessageRatePerSecond} messages per second`);
      }
      const id = deps.idClock.newId();
      const { content, attributes } = await reviewMessage(deps, room, connection, { id, content: action.Content, attributes: action.Attributes });
      await broadcast(
        deps,
        room,
        messageFrame({
          id,
          requestId: action.RequestId,
          content,
          attributes,
          sendTime: toRfc3339(now),
          sender: { userId: connection.userId, attributes: connection.attributes },
        }),
      );
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

/** SendEvent: an EVENT to every connection of the room. Returns the event's id. */
export async function sendEvent(
  deps: MessagingDeps,
  roomArn: string,
  event: { eventName: string; attributes?: Record<string, string> },
): Promise<string> {
  const room = await requireRoom(deps, roomIdOf(roomArn, deps.scope));
  const id = deps.idClock.newId();
  await broadcast(deps, room, eventFrame({ id, eventName: event.eventName, attributes: event.attributes, sendTime: toRfc3339(deps.idClock.now()) }));
  return id;
}

/** DeleteMessage (HTTP or socket): the aws:DELETE_MESSAGE event, whose id is returned. */
export async function deleteMessage(
  deps: MessagingDeps,
  roomId: string,
  request: { messageId: string; reason?: string; requestId?: string },
): Promise<string> {
  const room = await requireRoom(deps, roomId);
  const id = deps.idClock.newId();
  await broadcast(
    deps,
    room,
    eventFrame({
      id,
      requestId: request.requestId,
      eventName: DELETE_MESSAGE_EVENT,
      attributes: deleteMessageAttributes(request.messageId, request.reason),
      sendTime: toRfc3339(deps.idClock.now()),
    }),
  );
  return id;
}

/**
 * DisconnectUser (HTTP or socket): the room hears aws:DISCONNECT_USER first, then every connection
 * of that user in the room is closed, which the official client takes as a clean server disconnect
 * (no reconnect).
 */
export async function disconnectUser(
  deps: MessagingDeps,
  roomId: string,
  request: { userId: string; reason?: string; requestId?: string },
): Promise<void> {
  const room = await requireRoom(deps, roomId);
  await broadcast(
    deps,
    room,
    eventFrame({
      id: deps.idClock.newId(),
      requestId: request.requestId,
      eventName: DISCONNECT_USER_EVENT,
      attributes: disconnectUserAttributes(request.userId, request.reason),
      sendTime: toRfc3339(deps.idClock.now()),
    }),
  );
  await closeConnections(deps, await deps.connections.idsOfUser(roomId, request.userId));
}

/** After DeleteRoom: every connection of the room is closed and forgotten. */
export async function closeRoom(deps: MessagingDeps, roomId: string): Promise<void> {
  await closeConnections(deps, await deps.connections.idsInRoom(roomId));
}

/**
 * Ends every session whose time is up: ERROR 401 (the official client then reconnects with a new
 * token), then the close. Run by a schedule on AWS and by a timer in local mode.
 */
export async function endExpiredSessions(deps: MessagingDeps): Promise<number> {
  const ids = await deps.connections.expired(deps.idClock.now().getTime(), SWEEP_LOOKBACK_MS);
  await eachLimited(ids, FAN_OUT_PARALLELISM, (id) => endSession(deps, id));
  return ids.length;
}

async function endSession(deps: MessagingDeps, connectionId: string, requestId?: string): Promise<void> {
  await deps.gateway.post(connectionId, errorFrame({ id: deps.idClock.newId(), requestId, code: 401, message: 'The chat session has expired' }));
  await deps.gateway.disconnect(connectionId);
  await deps.connections.remove(connectionId);
}

/**
 * Closes connections best-effort. Callers (DeleteRoom, DisconnectUser) have already done their
 * work when this runs; failing them now would make the SDK retry into a 404 or a second
 * aws:DISCONNECT_USER event, so one connection that cannot be closed is logged, not thrown.
 */
async function closeConnections(deps: MessagingDeps, ids: string[]): Promise<void> {
  await eachLimited(ids, FAN_OUT_PARALLELISM, async (id) => {
    try {
      await deps.gateway.disconnect(id);
      await deps.connections.remove(id);
    } catch (err) {
      logger.warn('could not close a connection', { connectionId: id, error: err as Error });
    }
  });
}

/**
 * Sends one serialised frame to every connection of a room: one index query per message, bounded
 * parallel posts. A connection the gateway reports gone loses its own stale record; one that
 * fails otherwise is skipped, so no recipient can hold up or break delivery to the others.
 * Then the frame goes to the room's chat log, if it has one: after the fan-out, so logging never
 * delays a delivery (and never fails it: the chat log does not reject).
 */
export async function broadcast(deps: MessagingDeps, room: Room, frame: string): Promise<void> {
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

/** The room, or ResourceNotFoundException (404 on the socket, as the Messaging API codes it). */
const requireRoom = (deps: MessagingDeps, roomId: string): Promise<Room> => deps.rooms.get(roomId);

async function eachLimited<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await run(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
