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
