import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { batchWriteAll } from './batch-writes';
import { translatingErrors } from './dynamo-errors';
import { readIndexPage } from './index-pages';
import { HISTORY_LIST_SORT_KEY_PATTERN, historyIdOfSortKey, historyKey, historyListSortKey, historyOfRoomPartition } from './keys';
import { TABLE, roomTimelineAttributes } from './table';

/** One delivered MESSAGE or EVENT as history keeps it: the frame clients received, as JSON text. */
export interface HistoryEntry {
  id: string;
  type: 'MESSAGE' | 'EVENT';
  /** RFC 3339, the frame's SendTime. */
  sendTime: string;
  frame: string;
  /** Epoch ms after which the entry is no longer listed. */
  expiresAtMs: number;
}

export interface HistoryQuery {
  roomId: string;
  now: number;
  limit: number;
  after?: string;
  /** Sort keys from (inclusive) and up to (inclusive; callers pass a bound no key equals). */
  between?: { from?: string; to?: string };
  includeEvents: boolean;
}

export interface HistoryStore {
  put(roomId: string, entry: HistoryEntry): Promise<void>;
  /** Puts many entries with as few requests as the table allows (BatchWriteItem); the order among them is not kept. */
  putAll(entries: readonly { roomId: string; entry: HistoryEntry }[]): Promise<void>;
  /** Forgets one message (DeleteMessage); an id never kept is not an error. */
  remove(roomId: string, id: string): Promise<void>;
  /** One page of frames, newest first, of entries not yet expired at `now`. */
  listPage(query: HistoryQuery): Promise<{ frames: string[]; last?: string }>;
}

/** Positions a ListMessages token may carry. */
export const HISTORY_POSITION_PATTERN = HISTORY_LIST_SORT_KEY_PATTERN;

const { roomTimeline } = TABLE.indexes;

/** An entry's item: keyed by id in the room's history, listed by SendTime in RoomTimeline, with its TTL. */
const historyItem = (roomId: string, entry: HistoryEntry) => ({
  ...historyKey(roomId, entry.id),
  ...roomTimelineAttributes(historyOfRoomPartition(roomId), historyListSortKey(entry.sendTime, entry.id)),
  type: entry.type,
  frame: entry.frame,
  expiresAtMs: entry.expiresAtMs,
  [TABLE.ttlAttribute]: Math.ceil(entry.expiresAtMs / 1000),
});

/**
 * A room's history: one item per entry, keyed by the message's id in the room's `HIST#` partition
 * (so DeleteMessage, which knows only the id, is one DeleteItem), and in the RoomTimeline index
 * by SendTime for ListMessages. Entries carry the TTL attribute (retention); reads compare the
 * expiry themselves, since TTL deletes late.
 */
export function createHistoryStore(deps: { doc: DynamoDBDocumentClient; tableName: string }): HistoryStore {
  const { doc, tableName: TableName } = deps;
  return translatingErrors<HistoryStore>(
    {
      put: async (roomId, entry) => {
        await doc.send(new PutCommand({ TableName, Item: historyItem(roomId, entry) }));
      },

      putAll: async (entries) => {
        await batchWriteAll(
          doc,
          TableName,
          entries.map(({ roomId, entry }) => ({ PutRequest: { Item: historyItem(roomId, entry) } })),
        );
      },

      remove: async (roomId, id) => {
        await doc.send(new DeleteCommand({ TableName, Key: historyKey(roomId, id) }));
      },

      listPage: async (query) => {
        const { items, last } = await readIndexPage(doc, {
          TableName,
          index: roomTimeline,
          partition: historyOfRoomPartition(query.roomId),
          limit: query.limit,
          after: query.after ? { sortKey: query.after, key: historyKey(query.roomId, historyIdOfSortKey(query.after)) } : undefined,
          sortKeyBetween: query.between,
          filter: {
            expression: query.includeEvents ? '#exp > :now' : '#exp > :now AND #type = :message',
            names: { '#exp': 'expiresAtMs', ...(query.includeEvents ? {} : { '#type': 'type' }) },
            values: { ':now': query.now, ...(query.includeEvents ? {} : { ':message': 'MESSAGE' }) },
          },
        });
        return { frames: items.map((item) => String(item.frame)), ...(last ? { last } : {}) };
      },
    },
    ([first]) => {
      // A room id (put, remove), a query with one (listPage), or putAll's entries (the first one's room).
      const subject = (Array.isArray(first) ? first[0] : first) as string | { roomId?: string } | undefined;
      return { id: typeof subject === 'string' ? subject : String(subject?.roomId), type: 'ROOM' };
    },
  );
}
