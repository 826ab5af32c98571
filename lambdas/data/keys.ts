/**
 * Every key string of the table is built here and nowhere else.
 * Items: a room (`ROOM#id` / `ROOM`, tags inside it), a quota counter (`QUOTA#name` / `QUOTA`),
 * a logging configuration (`LOGCFG#id` / `LOGCFG`, tags inside it) and, in its partition, one
 * reference per room that names it (`LOGCFG#id` / `ROOM#roomId`).
 */
export interface ItemKey {
  PK: string;
  SK: string;
}

export const roomKey = (id: string): ItemKey => ({ PK: `ROOM#${id}`, SK: 'ROOM' });

export const loggingConfigurationKey = (id: string): ItemKey => ({ PK: `LOGCFG#${id}`, SK: 'LOGCFG' });

/** The partition of a logging configuration, where the references of the rooms that name it live. */
export const loggingConfigurationPartition = (id: string): string => `LOGCFG#${id}`;

const ROOM_REFERENCE_PREFIX = 'ROOM#';

/** The key of a room's reference to a logging configuration it names. */
export const loggingReferenceKey = (configurationId: string, roomId: string): ItemKey => ({
  PK: loggingConfigurationPartition(configurationId),
  SK: `${ROOM_REFERENCE_PREFIX}${roomId}`,
});

/** The sort-key prefix of a configuration's room references (the configuration's own item is `LOGCFG`). */
export const LOGGING_REFERENCE_PREFIX = ROOM_REFERENCE_PREFIX;

/** The room id inside a reference's sort key. */
export const roomOfLoggingReference = (sortKey: string): string => sortKey.slice(ROOM_REFERENCE_PREFIX.length);

/** All logging configurations share one partition of their index; AWS's quota of 10 keeps it tiny. */
export const ALL_LOGGING_CONFIGURATIONS_PARTITION = 'LOGCFGS';

export const quotaKey = (name: string): ItemKey => ({ PK: `QUOTA#${name}`, SK: 'QUOTA' });

/** All rooms share one partition of RoomsByUpdateTime; the rooms quota (50,000) keeps it small. */
export const ALL_ROOMS_PARTITION = 'ROOMS';

export const roomNamePartition = (name: string): string => `ROOMNAME#${name}`;

/** `<RFC 3339 time>#<id>`: a time order, ids ordering what happened in the same millisecond. */
const timeThenId = (time: string, id: string): string => `${time}#${id}`;

/** What a list sort key looks like; pagination tokens must carry one of these. */
const LIST_SORT_KEY_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#[A-Za-z0-9]{12}$/;

/** The id inside a list sort key. */
const idOfListSortKey = (sortKey: string): string => sortKey.slice(sortKey.indexOf('#') + 1);

/** Sort key of both room indexes: updateTime, then id to order rooms updated in the same millisecond. */
export const roomListSortKey = timeThenId;
export const ROOM_LIST_SORT_KEY_PATTERN = LIST_SORT_KEY_PATTERN;
export const roomIdOfSortKey = idOfListSortKey;

/** Sort key of the logging-configuration index: createTime (it never changes, so pages never shift), then id. */
export const loggingConfigurationListSortKey = timeThenId;
export const LOGGING_CONFIGURATION_LIST_SORT_KEY_PATTERN = LIST_SORT_KEY_PATTERN;
export const loggingConfigurationIdOfSortKey = idOfListSortKey;

export const connectionKey = (connectionId: string): ItemKey => ({ PK: `CONN#${connectionId}`, SK: 'CONN' });

/** The connection id of an item read from a connection index (keys-only: the table key is there). */
export const connectionOfIndexItem = (item: Record<string, unknown>): string => String(item.PK).slice('CONN#'.length);

export const connectionsOfRoomPartition = (roomId: string): string => `ROOMCONNS#${roomId}`;

/** User ids are any UTF-8 text, `#` included; base64url keeps them from bleeding into the id part. */
const encodeUserId = (userId: string): string => Buffer.from(userId).toString('base64url');
const decodeUserId = (encoded: string): string => Buffer.from(encoded, 'base64url').toString('utf8');
/** The sort-key prefix of the items a room keeps per user (bans, DisconnectUser notes). */
const USER_SORT_KEY_PREFIX = 'USER#';

export const userConnectionsPrefix = (userId: string): string => `${encodeUserId(userId)}#`;

export const roomConnectionSortKey = (userId: string, connectionId: string): string => `${userConnectionsPrefix(userId)}${connectionId}`;

/** The user id inside a ConnectionsByRoom sort key. */
export const userOfRoomConnectionSortKey = (sortKey: string): string => decodeUserId(sortKey.slice(0, sortKey.indexOf('#')));

/** Sessions end by the minute bucket they fall in, so the sweeper reads a few small partitions. */
export const connectionExpiryPartition = (sessionExpiresAt: number): string => `CONNEXP#${Math.floor(sessionExpiresAt / 60_000)}`;

export const connectionExpirySortKey = (sessionExpiresAt: number, connectionId: string): string =>
  `${String(sessionExpiresAt).padStart(15, '0')}#${connectionId}`;

export const usedTokenKey = (tokenId: string): ItemKey => ({ PK: `TOKEN#${tokenId}`, SK: 'TOKEN' });

export const roomRateKey = (roomId: string, epochSecond: number): ItemKey => ({ PK: `RATE#${roomId}`, SK: String(epochSecond) });

/** A room's bans: one partition per room, one item per banned user (user ids base64url, as above). */
export const bansOfRoomPartition = (roomId: string): string => `BANS#${roomId}`;

export const banKey = (roomId: string, userId: string): ItemKey => ({
  PK: bansOfRoomPartition(roomId),
  SK: `${USER_SORT_KEY_PREFIX}${encodeUserId(userId)}`,
});

/** RoomTimeline sort key of a ban: its createTime, then the user (ListBans, newest first). */
export const banListSortKey = (createTime: string, userId: string): string => timeThenId(createTime, encodeUserId(userId));

/** What a ban's list sort key looks like (a user id of 128 code points is at most 683 base64url characters). */
export const BAN_LIST_SORT_KEY_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#[A-Za-z0-9_-]{1,700}$/;

export const userIdOfBanSortKey = (sortKey: string): string => decodeUserId(idOfListSortKey(sortKey));

/** A room's DisconnectUser notes: one partition per room, one item per user. */
export const disconnectionsOfRoomPartition = (roomId: string): string => `KICK#${roomId}`;

/** When a user was last disconnected from a room (DisconnectUser): what $connect looks at once its record is written. */
export const disconnectionKey = (roomId: string, userId: string): ItemKey => ({
  PK: disconnectionsOfRoomPartition(roomId),
  SK: `${USER_SORT_KEY_PREFIX}${encodeUserId(userId)}`,
});

/** The user of a note's sort key (disconnectionKey). */
export const userIdOfDisconnectionSortKey = (sortKey: string): string => decodeUserId(sortKey.slice(USER_SORT_KEY_PREFIX.length));

/** A room's message history: one partition per room, one item per message or event, keyed by its id (what DeleteMessage knows). */
export const historyOfRoomPartition = (roomId: string): string => `HIST#${roomId}`;

export const historyKey = (roomId: string, id: string): ItemKey => ({ PK: historyOfRoomPartition(roomId), SK: `MSG#${id}` });

/** RoomTimeline sort key of a history entry: its SendTime, then its id (ListMessages, newest first, time ranges). */
export const historyListSortKey = timeThenId;
export const HISTORY_LIST_SORT_KEY_PATTERN = LIST_SORT_KEY_PATTERN;
export const historyIdOfSortKey = idOfListSortKey;
