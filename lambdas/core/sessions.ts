// Chat sessions: a connection opened with a chat token, closed by the client or when its session ends.
import type { Connection } from '../data/connections';
import { openToken } from '../domain/chat-token';
import { errorFrame } from '../domain/messaging';
import { roomIdOf } from '../domain/room';
import { MessagingError, ResourceNotFoundException } from '../shared/errors';
import { assertMayConnect } from './bans';
import type { Deps } from './deps';
import { FAN_OUT_PARALLELISM, eachLimited } from './fan-out';

type SessionEndDeps = Pick<Deps, 'idClock' | 'connections' | 'gateway'>;

/** How far back the sweeper looks for sessions that ended (it runs far more often than this). */
const SWEEP_LOOKBACK_MS = 10 * 60_000;

/**
 * Opens a connection for a token presented at $connect. Refusals are MessagingErrors whose code
 * becomes the handshake's HTTP status: 401 for a missing, forged, expired or already used token,
 * 403 while the token's user is banned from the room, 404 when the token's room does not exist.
 */
export async function connect(
  deps: Pick<Deps, 'scope' | 'idClock' | 'rooms' | 'connections' | 'usedTokens' | 'tokenKeys' | 'bans'>,
  input: { token: string | undefined; connectionId: string; sourceIp?: string },
): Promise<Connection> {
  if (!input.token) throw new MessagingError(401, 'A chat token is required');
  const now = deps.idClock.now().getTime();
  const claims = await openToken(input.token, await deps.tokenKeys(), new Date(now));
  if (claims === 'invalid') throw new MessagingError(401, 'The chat token is not valid');
  if (claims === 'expired' || claims.sessionExpiresAt <= now) throw new MessagingError(401, 'The chat token has expired');
  const roomId = roomIdOf(claims.roomArn, deps.scope);
  // ResourceNotFoundException when it is gone: 404, as the Messaging API codes it.
  await deps.rooms.get(roomId);
  await assertMayConnect(deps, roomId, claims.userId);
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
  const stillThere = await deps.rooms.get(roomId).then(
    () => true,
    (err: unknown) => (err instanceof ResourceNotFoundException ? false : Promise.reject(err)),
  );
  if (!stillThere) {
    await deps.connections.remove(input.connectionId);
    throw new ResourceNotFoundException(`Room not found: ${claims.roomArn}`, roomId, 'ROOM');
  }
  // Likewise a BanUser between the first ban check and the put: it wrote its ban before looking
  // for the user's connections, so either it finds this record or this read finds its ban.
  await assertMayConnect(deps, roomId, claims.userId).catch(async (err: unknown) => {
    await deps.connections.remove(input.connectionId);
    throw err;
  });
  return connection;
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
