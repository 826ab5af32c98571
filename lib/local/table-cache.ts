import type { BanStore } from '../../lambdas/data/bans';
import type { Connection, ConnectionStore } from '../../lambdas/data/connections';
import type { DisconnectionStore } from '../../lambdas/data/disconnections';
import type { ItemKey } from '../../lambdas/data/keys';
import { bansOfRoomPartition, connectionKey, disconnectionsOfRoomPartition, roomKey } from '../../lambdas/data/keys';
import type { RateCounter } from '../../lambdas/data/rate-counters';
import type { RoomStore } from '../../lambdas/data/rooms';
import type { Room } from '../../lambdas/domain/room';
import type { WrittenKeys } from './in-process-dynamodb';
import { flat, shareRepeated } from './shared-strings';

/**
 * Caches of table items for local mode, where every write of the table passes through this process:
 * the handlers' writes through the InProcessDocumentClient, whose `onWrite` reports each written key
 * before the write and again once it is done, and writes from other processes through dynalite's
 * HTTP endpoint, which drop everything (dynalite.ts). So a cached item is the item: a write drops it
 * before it happens, and a read that overlapped a write of its key is returned but not kept. That
 * is why these live here, as local-mode adapters over the stores, and not in lambdas/: on AWS other
 * functions write the table, and this process would not hear of it.
 */
export interface TableWatch {
  /** Feeds the caches: give it to InProcessDocumentClient as its onWrite. */
  written(keys: WrittenKeys): void;
  /** A cache of items (the default), or of whole partitions: any write of an item of a partition drops it. */
  cache<V>(maxEntries: number, scope?: 'item'): ItemCache<V>;
  cache<V>(maxEntries: number, scope: 'partition'): ItemCache<V, { PK: string }>;
}

export interface ItemCache<V, K extends { PK: string } = ItemKey> {
  /** The cached value of `key`, or `load()`'s, kept unless a write of `key` overlapped the load. */
  read(key: K, load: () => Promise<V>): Promise<V>;
  /** Keeps a value just written through this process (its write has been reported done). */
  keep(key: K, value: V): void;
  readonly size: number;
}

const keyId = (key: { PK?: unknown; SK?: unknown }) => `${String(key.PK)}\u0000${String(key.SK)}`;
const partitionId = (key: { PK?: unknown }) => String(key.PK);

export function createTableWatch(): TableWatch {
  const caches: { scope: 'item' | 'partition'; drop(id: string | undefined): void }[] = [];
  return {
    written: (keys) => {
      if (keys === 'all') for (const cache of caches) cache.drop(undefined);
      else {
        for (const key of keys) {
          const item = keyId(key);
          const partition = partitionId(key);
          for (const cache of caches) cache.drop(cache.scope === 'item' ? item : partition);
        }
      }
    },
    cache: <V>(maxEntries: number, scope: 'item' | 'partition' = 'item'): ItemCache<V, ItemKey> => {
      const idOf = scope === 'item' ? keyId : partitionId;
      const entries = new Map<string, V>();
      /** Loads in flight per key; a write marks them stale so that their (possibly older) answer is not kept. */
      const loading = new Map<string, Set<{ stale: boolean }>>();
      const set = (id: string, value: V) => {
        entries.delete(id);
        // Bounded: the oldest entry goes (Map keeps insertion order; a hit does not refresh it).
        if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string);
        // Kept flat: an entry may live as long as its connection (shared-strings.ts).
        entries.set(flat(id), value);
      };
      caches.push({
        scope,
        drop: (id) => {
          if (id === undefined) {
            entries.clear();
            for (const loads of loading.values()) for (const load of loads) load.stale = true;
            return;
          }
          entries.delete(id);
          for (const load of loading.get(id) ?? []) load.stale = true;
        },
      });
      return {
        read: async (key, load) => {
          const id = idOf(key);
          if (entries.has(id)) return entries.get(id) as V;
          const mark = { stale: false };
          const loads = loading.get(id) ?? new Set();
          loading.set(id, loads.add(mark));
          try {
            const value = (await load()) as V;
            if (!mark.stale) set(id, value);
            return value;
          } finally {
            loads.delete(mark);
            if (loads.size === 0) loading.delete(id);
          }
        },
        keep: (key, value) => set(idOf(key), value),
        get size() {
          return entries.size;
        },
      };
    },
  };
}

/** Rooms kept in memory at most (the rooms quota is 50,000; a room is well under 1 KiB). */
const MAX_CACHED_ROOMS = 10_000;

/**
 * A RoomStore whose `get` is answered from memory: every SEND_MESSAGE reads its room (limits,
 * review handler, logging), every $connect twice and every CreateChatToken once. Any write of the
 * room item (UpdateRoom, DeleteRoom, tags, logging revisions) drops it first, so an UpdateRoom takes
 * effect with the next message. The room given out is frozen: callers share it.
 */
export function withRoomsInMemory(store: RoomStore, watch: TableWatch): RoomStore {
  const rooms = watch.cache<Room>(MAX_CACHED_ROOMS);
  return { ...store, get: (id) => rooms.read(roomKey(id), async () => deepFreeze(await store.get(id))) };
}

/** Rooms whose bans (and, apart, whose DisconnectUser notes) are kept at most; a room with none costs one small entry. */
const MAX_CACHED_ROOM_PARTITIONS = 10_000;
/** Items a room's partition may hold for them to be kept; a room with more is asked of the table at each check. */
const MAX_KEPT_PER_ROOM = 100;

/**
 * One partition per room kept in memory, as `load` reads it (all of it, or 'too many' past
 * MAX_KEPT_PER_ROOM), until any write of an item in that partition drops it before it happens.
 */
function roomPartitions<T>(watch: TableWatch, partitionOf: (roomId: string) => string, load: (roomId: string) => Promise<T | 'too many'>) {
  const rooms = watch.cache<T | 'too many'>(MAX_CACHED_ROOM_PARTITIONS, 'partition');
  return (roomId: string) => rooms.read({ PK: partitionOf(roomId) }, () => load(roomId));
}

/**
 * A BanStore whose `active` (every CreateChatToken once, every $connect twice) is answered from
 * memory: the room's bans, all of them (one query of the room's partition), kept until any write
 * of an item in that partition (BanUser, UnbanUser, DeleteRoom's removal, the sweeper removing an
 * ended ban) drops them before it happens, so a ban takes effect on the next check. An ended ban
 * not yet swept is kept and compared with `now` at each check, as the table's read does. A room
 * with more bans than MAX_KEPT_PER_ROOM keeps only that fact, and its checks read the table.
 */
export function withBansInMemory(store: BanStore, watch: TableWatch): BanStore {
  const bansOf = roomPartitions(watch, bansOfRoomPartition, async (roomId) => {
    // Every ban, ended or not (the checks compare the end themselves).
    const bans = await store.inRoom(roomId, MAX_KEPT_PER_ROOM);
    return bans ? new Map(bans.map((ban) => [ban.userId, ban])) : 'too many';
  });
  return {
    ...store,
    active: async (roomId, userId, now) => {
      const bans = await bansOf(roomId);
      if (bans === 'too many') return store.active(roomId, userId, now);
      const ban = bans.get(userId);
      // As data/bans.ts reads it: a ban with an end is over from that millisecond on.
      return ban && !(ban.expirationTime !== undefined && Date.parse(ban.expirationTime) <= now) ? ban : undefined;
    },
  };
}

/**
 * A DisconnectionStore whose `last` (every $connect, before and after writing its record) is
 * answered from memory: the room's notes, kept as withBansInMemory keeps bans, so a DisconnectUser's
 * note (or the sweeper's removal of an old one) drops them before it is written.
 */
export function withDisconnectionsInMemory(store: DisconnectionStore, watch: TableWatch): DisconnectionStore {
  const notesOf = roomPartitions(
    watch,
    disconnectionsOfRoomPartition,
    async (roomId) => (await store.notesInRoom(roomId, MAX_KEPT_PER_ROOM)) ?? 'too many',
  );
  return {
    ...store,
    last: async (roomId, userId) => {
      const notes = await notesOf(roomId);
      return notes === 'too many' ? store.last(roomId, userId) : notes.get(userId);
    },
  };
}

/**
 * A ConnectionStore whose `get` (every client frame reads its connection's record) is answered from
 * memory: a record is kept as it is put, and any write of it drops it (its removal; a test or tool
 * changing it through the HTTP endpoint drops everything), so the session's end is always the
 * table's. Bounded by the open connections, whose records are removed as they close.
 */
export function withConnectionRecordsInMemory(store: ConnectionStore, watch: TableWatch, maxEntries: number): ConnectionStore {
  const records = watch.cache<Awaited<ReturnType<ConnectionStore['get']>>>(maxEntries);
  return {
    ...store,
    put: async (connection) => {
      await store.put(connection);
      // The room's id and ARN as one copy for all its records (shared-strings.ts).
      const kept = {
        ...connection,
        roomId: shareRepeated(connection.roomId),
        roomArn: shareRepeated(connection.roomArn),
        // Most sessions have no attributes and one of a few capability sets: one frozen copy each.
        capabilities: sharedCapabilities(connection.capabilities),
        attributes: Object.keys(connection.attributes).length === 0 ? NO_ATTRIBUTES : connection.attributes,
      };
      records.keep(connectionKey(connection.connectionId), deepFreeze(kept));
    },
    get: (connectionId) => records.read(connectionKey(connectionId), () => store.get(connectionId)),
  };
}

const NO_ATTRIBUTES: Record<string, string> = Object.freeze({});
const capabilitySets = new Map<string, Connection['capabilities']>();
/** The one frozen array of each capability list (a handful: a token lists some of the few capabilities, in its order). */
const sharedCapabilities = (capabilities: Connection['capabilities']): Connection['capabilities'] => {
  const key = capabilities.join(',');
  let shared = capabilitySets.get(key);
  if (!shared) {
    // Bounded: tokens carry only known capabilities (domain/chat-token.ts), but a cap costs nothing.
    if (capabilitySets.size >= MAX_CAPABILITY_SETS) capabilitySets.clear();
    shared = Object.freeze([...capabilities]) as Connection['capabilities'];
    capabilitySets.set(key, shared);
  }
  return shared;
};
const MAX_CAPABILITY_SETS = 64;

/**
 * A RateCounter that counts each room's current second in memory. Every message of a room is taken
 * through this process, so the count is exact; only the first take of each second goes to the
 * table (which keeps the counter item a restart and the sweeper see, and refuses it if an earlier
 * process already used the second up). The rest of the second costs a comparison each, instead of
 * a conditional UpdateItem per message. The item's `used` therefore says that the room sent in that
 * second, not how much: nothing reads it for more than the first take of the second.
 */
export function withRatesInMemory(rates: RateCounter): RateCounter {
  const windows = new Map<string, { second: number; used: number }>();
  let sweptSecond = 0;
  return {
    take: async (roomId, limitPerSecond, now) => {
      const second = Math.floor(now / 1000);
      const window = windows.get(roomId);
      if (window && window.second === second) {
        // A room's limit may change within the second (UpdateRoom): the take uses the limit it is given.
        if (window.used >= limitPerSecond) return false;
        window.used++;
        return true;
      }
      // Past seconds' windows go, once a second: the map holds about the rooms that sent lately.
      if (second > sweptSecond) {
        sweptSecond = second;
        for (const [id, old] of windows) if (old.second < second) windows.delete(id);
      }
      const fresh = { second, used: 1 };
      windows.set(roomId, fresh);
      // Takes of the same second that arrive while this one is at the table count against `fresh`.
      const allowed = await rates.take(roomId, limitPerSecond, now).catch((err: unknown) => {
        fresh.used--;
        throw err;
      });
      if (!allowed) fresh.used = Math.max(fresh.used, limitPerSecond);
      return allowed;
    },
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}
