import { BAN_POSITION_PATTERN } from '../data/bans';
import { BanUserInput, ListBansInput, bannedMessage, newBan } from '../domain/bans';
import { roomIdOf } from '../domain/room';
import { AccessDeniedException, MessagingError } from '../shared/errors';
import type { Deps } from './deps';
import { ModerationDeps, disconnectUser } from './moderation';
import { readPage } from './pages';

/**
 * Bans: a user kept out of a room. BanUser writes the ban before it disconnects the user, and
 * $connect looks for a ban again after writing its record, so a connect racing a ban is closed by
 * one or refused by the other. A ban with a duration ends by itself: every read compares its end.
 */
export type BanDeps = ModerationDeps & Pick<Deps, 'scope' | 'bans' | 'banMinuteMs' | 'disconnections'>;

const DEFAULT_MAX_RESULTS = 50;

/** BanUser: the ban, then aws:DISCONNECT_USER and every connection of the user in the room closed. */
export async function banUser(deps: BanDeps, input: BanUserInput): Promise<void> {
  const roomId = roomIdOf(input.roomIdentifier, deps.scope);
  await deps.rooms.get(roomId);
  await deps.bans.put(roomId, newBan(input, deps.idClock.now(), deps.banMinuteMs));
  await disconnectUser(deps, roomId, { userId: input.userId, reason: input.reason });
}

/** UnbanUser: lifts the ban, if any (idempotent), of an existing room. */
export async function unbanUser(
  deps: Pick<Deps, 'scope' | 'rooms' | 'bans'>,
  input: { roomIdentifier: string; userId: string },
): Promise<void> {
  const roomId = roomIdOf(input.roomIdentifier, deps.scope);
  await deps.rooms.get(roomId);
  await deps.bans.remove(roomId, input.userId);
}

/** ListBans: the bans in force, newest first. */
export async function listBans(
  deps: Pick<Deps, 'scope' | 'idClock' | 'rooms' | 'bans'>,
  { roomIdentifier, nextToken, maxResults }: ListBansInput,
) {
  const roomId = roomIdOf(roomIdentifier, deps.scope);
  await deps.rooms.get(roomId);
  const now = deps.idClock.now().getTime();
  return readPage(
    {
      operation: 'ListBans',
      filters: { roomId },
      nextToken,
      maxResults,
      defaultMaxResults: DEFAULT_MAX_RESULTS,
      positions: BAN_POSITION_PATTERN,
    },
    async (query) => {
      const page = await deps.bans.listPage({ roomId, now, ...query });
      return { items: page.bans, last: page.last };
    },
  );
}

/** CreateChatToken's check: AccessDeniedException while the user is banned from the room. */
export async function assertMayJoin(
  deps: Pick<Deps, 'idClock' | 'bans'>,
  room: { id: string; arn: string },
  userId: string,
): Promise<void> {
  if (await deps.bans.active(room.id, userId, deps.idClock.now().getTime()))
    throw new AccessDeniedException(bannedMessage(userId, room.arn));
}

/** $connect's check: the handshake is refused (403) while the token's user is banned, whenever the token was minted. */
export async function assertMayConnect(deps: Pick<Deps, 'idClock' | 'bans'>, roomId: string, userId: string): Promise<void> {
  if (await deps.bans.active(roomId, userId, deps.idClock.now().getTime()))
    throw new MessagingError(403, 'The user is banned from this room');
}
