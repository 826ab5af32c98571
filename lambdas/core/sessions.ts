// Chat sessions: a connection opened with a chat token, closed by the client or when its session ends.
import type { Connection } from '../data/connections';
import { openToken } from '../domain/chat-token';
import { errorFrame } from '../domain/messaging';
import { roomIdOf } from '../domain/room';
import { MessagingError } from '../shared/errors';
import { assertMayConnect } from './bans';
import type { Deps } from './deps';
import { FAN_OUT_PARALLELISM, eachLimited } from './delivery';

type SessionEndDeps = Pick<Deps, 'idClock' | 'connections' | 'gateway'>;

/** How far back the sweeper looks for sessions that ended (it runs far more often than this). */
const SWEEP_LOOKBACK_MS = 10 * 60_000;

/**
 * Opens a connection for a token presented at $connect. Refusals are MessagingErrors whose code
 * becomes the handshake's HTTP status: 401 for a missing, forged, expired or already used token,
 * 403 while the token's user is banned from the room, 404 when the token's room does not exist.
 */
export async function connect(
  deps: Pick<Deps, 'scope' | 'idClock' | 'rooms' | 'connections' | 'disconnections' | 'usedTokens' | 'tokenKeys' | 'bans'>,
  input: { token: string | undefined; connectionId: string; sourceIp?: string },
): Promise<Connection> {
  if (!input.token) throw new MessagingError(401, 'A chat token is required');
  const now = deps.idClock.now().getTime();
  const claims = await openToken(input.token, await deps.tokenKeys(), new Date(now));
  if (claims === 'invalid') throw new MessagingError(401, 'The chat token is not valid');
  if (claims === 'expired' || claims.sessionExpiresAt <= now) throw new MessagingError(401, 'The chat token has expired');
  const roomId = roomIdOf(claims.roomArn, deps.scope);
  const [, , noteBefore] = await Promise.all([
    // ResourceNotFoundException when it is gone: 404, as the Messaging API codes it.
    deps.rooms.get(roomId),
    assertMayConnect(deps, roomId, claims.userId),
    deps.disconnections.last(roomId, claims.userId),
  ]);
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
  await assertNothingMissed(deps, connection, noteBefore).catch(async (err: unknown) => {
    await deps.connections.remove(input.connectionId);
    throw err;
  });
  return connection;
}

/**
 * A DeleteRoom, BanUser or DisconnectUser that lands while a connection is inside $connect cannot
 * close it: on AWS its socket is not open yet (DeleteConnection answers Gone), so it would open
 * afterwards with no record. Each of them writes first (the room deleted, the ban, the
 * disconnection note) and looks for connections after; $connect writes its record first and looks
 * at those three after. Either the operation finds the record, or these reads find its write and
 * the handshake is refused. A note that changed since $connect began is a DisconnectUser that
 * landed meanwhile; one written before it began is not, and the user may come back.
 */
async function assertNothingMissed(
  deps: Pick<Deps, 'idClock' | 'rooms' | 'bans' | 'disconnections'>,
  connection: Connection,
  noteBefore: string | undefined,
): Promise<void> {
  const [, , noteAfter] = await Promise.all([
    // ResourceNotFoundException when it is gone: 404, as the Messaging API codes it.
    deps.rooms.get(connection.roomId),
    assertMayConnect(deps, connection.roomId, connection.userId),
    deps.disconnections.last(connection.roomId, connection.userId),
  ]);
  // A note gone since (TTL, or local mode's sweep, removes old ones) is no DisconnectUser: those only write.
  if (noteAfter !== undefined && noteAfter !== noteBefore) {
    throw new MessagingError(403, 'The user was disconnected from the room while connecting');
  }
}

/** $disconnect: the socket is gone, so is its record. */
export async function disconnected(deps: Pick<Deps, 'connections'>, connectionId: string): Promise<void> {
  await deps.connections.remove(connectionId);
}

/**
 * Ends every session whose time is up: ERROR 401 (the official client then reconnects with a new
 * token), then the close. Run by a schedule on AWS and by a timer in local mode.
 */
export async function endExpiredSessions(deps: SessionEndDeps): Promise<number> {
  const ids = await deps.connections.expired(deps.idClock.now().getTime(), SWEEP_LOOKBACK_MS);
  await eachLimited(ids, FAN_OUT_PARALLELISM, (id) => endSession(deps, id));
  return ids.length;
}

/** ERROR 401 (the official client then reconnects with a new token), the close, the record gone. */
export async function endSession(deps: SessionEndDeps, connectionId: string, requestId?: string): Promise<void> {
  await deps.gateway.post(
    connectionId,
    errorFrame({ id: deps.idClock.newId(), requestId, code: 401, message: 'The chat session has expired' }),
  );
  await deps.gateway.disconnect(connectionId);
  await deps.connections.remove(connectionId);
}
