/**
 * Every key string of the table is built here and nowhere else.
 * Items: a room (`ROOM#id` / `ROOM`, tags inside it), a quota counter (`QUOTA#name` / `QUOTA`),
 * a logging configuration (`LOGCFG#id` / `LOGCFG`).
 */
export interface ItemKey {
  PK: string;
  SK: string;
}

export const roomKey = (id: string): ItemKey => ({ PK: `ROOM#${id}`, SK: 'ROOM' });

export const loggingConfigurationKey = (id: string): ItemKey => ({ PK: `LOGCFG#${id}`, SK: 'LOGCFG' });

export const quotaKey = (name: string): ItemKey => ({ PK: `QUOTA#${name}`, SK: 'QUOTA' });

/** All rooms share one partition of RoomsByUpdateTime; the rooms quota (50,000) keeps it small. */
export const ALL_ROOMS_PARTITION = 'ROOMS';

export const roomNamePartition = (name: string): string => `ROOMNAME#${name}`;

/** Sort key of both room indexes: updateTime, then id to order rooms updated in the same millisecond. */
export const roomListSortKey = (updateTime: string, id: string): string => `${updateTime}#${id}`;

/** What a roomListSortKey looks like; pagination tokens must carry one of these. */
export const ROOM_LIST_SORT_KEY_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#[A-Za-z0-9]{12}$/;

/** The room id inside a roomListSortKey. */
export const roomIdOfSortKey = (sortKey: string): string => sortKey.slice(sortKey.indexOf('#') + 1);

export const connectionKey = (connectionId: string): ItemKey => ({ PK: `CONN#${connectionId}`, SK: 'CONN' });

/** The connection id of an item read from a connection index (keys-only: the table key is there). */
export const connectionOfIndexItem = (item: Record<string, unknown>): string => String(item.PK).slice('CONN#'.length);

export const connectionsOfRoomPartition = (roomId: string): string => `ROOMCONNS#${roomId}`;

/** User ids are any UTF-8 text, `#` included; base64url keeps them from bleeding into the id part. */
export const userConnectionsPrefix = (userId: string): string => `${Buffer.from(userId).toString('base64url')}#`;

export const roomConnectionSortKey = (userId: string, connectionId: string): string =>
  `${userConnectionsPrefix(userId)}${connectionId}`;

/** Sessions end by the minute bucket they fall in, so the sweeper reads a few small partitions. */
export const connectionExpiryPartition = (sessionExpiresAt: number): string =>
  `CONNEXP#${Math.floor(sessionExpiresAt / 60_000)}`;

export const connectionExpirySortKey = (sessionExpiresAt: number, connectionId: string): string =>
  `${String(sessionExpiresAt).padStart(15, '0')}#${connectionId}`;

export const usedTokenKey = (tokenId: string): ItemKey => ({ PK: `TOKEN#${tokenId}`, SK: 'TOKEN' });

export const roomRateKey = (roomId: string, epochSecond: number): ItemKey => ({ PK: `RATE#${roomId}`, SK: String(epochSecond) });
