import { GetRoomPresenceInput, PRESENCE_POSITION_PATTERN, byUserId, presencePosition } from '../domain/presence';
import { roomIdOf } from '../domain/room';
import { toRfc3339 } from '../domain/ids';
import type { PresentConnection } from '../data/presence';
import type { Deps } from './deps';
import { FAN_OUT_PARALLELISM, eachLimited } from './delivery';
import { readPage } from './pages';

const DEFAULT_MAX_RESULTS = 50;

export interface PresentUser {
  userId: string;
  attributes: Record<string, string>;
  connectionCount: number;
  connectedAt: string;
}

/**
 * GetRoomPresence: the room's connections and users, counted over the whole room, and one page of
 * users by userId. Counts come from one keys-only index query (the user is in its sort key); only
 * the page's users' records are read, for their token attributes and connection times.
 */
export async function getRoomPresence(
  deps: Pick<Deps, 'scope' | 'rooms' | 'presence'>,
  { roomIdentifier, nextToken, maxResults }: GetRoomPresenceInput,
) {
  const roomId = roomIdOf(roomIdentifier, deps.scope);
  await deps.rooms.get(roomId);
  const members = await deps.presence.members(roomId);
  const byUser = new Map<string, string[]>();
  for (const { userId, connectionId } of members) byUser.set(userId, [...(byUser.get(userId) ?? []), connectionId]);
  const userIds = [...byUser.keys()].sort(byUserId);
  const page = await readPage(
    {
      operation: 'GetRoomPresence',
      filters: { roomId },
      nextToken,
      maxResults,
      defaultMaxResults: DEFAULT_MAX_RESULTS,
      positions: PRESENCE_POSITION_PATTERN,
    },
    async ({ limit, after }) => {
      const start = after === undefined ? 0 : userIds.findIndex((userId) => presencePosition(userId) > after);
      const shown = start < 0 ? [] : userIds.slice(start, start + limit);
      const more = start >= 0 && start + limit < userIds.length;
      const last = shown[shown.length - 1];
      return { items: shown, last: more && last !== undefined ? presencePosition(last) : undefined };
    },
  );
  const records = new Map<string, PresentConnection[]>();
  const wanted = page.items.flatMap((userId) => (byUser.get(userId) ?? []).map((connectionId) => ({ userId, connectionId })));
  await eachLimited(wanted, FAN_OUT_PARALLELISM, async ({ userId, connectionId }) => {
    const record = await deps.presence.connection(connectionId);
    if (record) records.set(userId, [...(records.get(userId) ?? []), record]);
  });
  return {
    connectionCount: members.length,
    userCount: userIds.length,
    // In userId order; a user whose every connection closed between the two reads is left out.
    users: page.items.flatMap((userId) => {
      const found = records.get(userId);
      return found ? [presentUser(userId, found)] : [];
    }),
    ...(page.nextToken ? { nextToken: page.nextToken } : {}),
  };
}

/** A user's entry: the attributes of its most recent connection, the time of its earliest. */
function presentUser(userId: string, connections: readonly PresentConnection[]): PresentUser {
  const newest = connections.reduce((a, b) => (b.connectedAt > a.connectedAt ? b : a));
  const earliest = Math.min(...connections.map((c) => c.connectedAt));
  return { userId, attributes: newest.attributes, connectionCount: connections.length, connectedAt: toRfc3339(new Date(earliest)) };
}
