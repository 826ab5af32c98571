import type { ConnectionStore } from '../../lambdas/data/connections';
import { shareRepeated } from './shared-strings';

/** How long a cached room list is trusted before it is read again (a safety net: every write updates it). */
const MEMBERS_MAX_AGE_MS = 10_000;

interface RoomMembers {
  ids?: Set<string>;
  /** `ids` as an array, built once per change and shared by the fan-outs that read it. */
  list?: string[];
  loadedAt: number;
  loading?: Promise<string[]>;
  /** Puts and removes seen while `loading`, applied to its result in order. */
  changes?: [present: boolean, connectionId: string][];
}

/**
 * A ConnectionStore that keeps each room's connection ids in memory, so that a fan-out needs no
 * index query. Only for a process through which every write of connection records passes, as in
 * local mode, where $connect, $disconnect, $default and the sweeper share one store: each put adds
 * the id to its room's list before $connect answers (so the new connection gets the next message),
 * each remove takes it out first (so a closed one gets nothing more). On AWS those routes run in
 * separate functions, whose writes this process would not see, so it lives here, in local mode.
 * Records themselves are still read from the table: they are the truth about a session.
 */
export function withMemoryCache(store: ConnectionStore, now: () => number = Date.now): ConnectionStore {
  const members = new Map<string, RoomMembers>();
  /** The room of each connection put through this store, to take it out of its list on remove. */
  const rooms = new Map<string, string>();

  const note = (roomId: string, connectionId: string, present: boolean) => {
    const room = members.get(roomId);
    if (!room) return;
    room.changes?.push([present, connectionId]);
    if (!room.ids) return;
    if (present) room.ids.add(connectionId);
    else room.ids.delete(connectionId);
    room.list = undefined;
    if (room.ids.size === 0 && !room.loading) members.delete(roomId);
  };

  const forget = (roomId: string, room: RoomMembers) => {
    if (members.get(roomId) === room) members.delete(roomId);
  };

  const load = (roomId: string, room: RoomMembers): Promise<string[]> => {
    const startedAt = now();
    const changes: [boolean, string][] = [];
    room.changes = changes;
    room.loading = store.idsInRoom(roomId).then(
      (found) => {
        const ids = new Set(found);
        for (const [present, id] of changes) {
          if (present) ids.add(id);
          else ids.delete(id);
        }
        Object.assign(room, { ids, list: [...ids], loadedAt: startedAt, loading: undefined, changes: undefined });
        const list = room.list as string[];
        // Not kept empty: a room nobody is in (or a deleted one) would stay in the map for good.
        if (ids.size === 0) forget(roomId, room);
        return list;
      },
      (err: unknown) => {
        Object.assign(room, { loading: undefined, changes: undefined });
        if (!room.ids) forget(roomId, room);
        throw err;
      },
    );
    return room.loading;
  };

  return {
    ...store,
    put: async (connection) => {
      await store.put(connection);
      rooms.set(connection.connectionId, shareRepeated(connection.roomId));
      note(connection.roomId, connection.connectionId, true);
    },
    remove: async (connectionId, options) => {
      // An unconditional remove takes the id out first, so a closed connection gets nothing more;
      // a conditional one only once the record is really gone.
      if (options?.connectedBefore === undefined) {
        const known = rooms.get(connectionId);
        rooms.delete(connectionId);
        if (known) note(known, connectionId, false);
      }
      const removed = await store.remove(connectionId, options);
      if (removed) {
        rooms.delete(connectionId);
        note(removed.roomId, connectionId, false);
      }
      return removed;
    },
    idsInRoom: async (roomId) => {
      let room = members.get(roomId);
      if (room?.ids && now() - room.loadedAt < MEMBERS_MAX_AGE_MS) return (room.list ??= [...room.ids]);
      if (room?.loading) return room.loading;
      if (!room) {
        room = { loadedAt: 0 };
        members.set(roomId, room);
      }
      return load(roomId, room);
    },
  };
}
