import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { translatingErrors } from './dynamo-errors';
import { smallPartition } from './index-pages';
import { disconnectionKey, disconnectionsOfRoomPartition, userIdOfDisconnectionSortKey } from './keys';
import { TABLE } from './table';

export interface DisconnectionStore {
  /** Notes that the user's connections in the room are being closed now (`at`, epoch ms); `id` is unique to this DisconnectUser. */
  note(roomId: string, userId: string, note: { id: string; at: number }): Promise<void>;
  /** The id of the last note for the user in the room, if one is kept. */
  last(roomId: string, userId: string): Promise<string | undefined>;
  /** The last note id of each user of the room that has one, by user id; undefined when there are more than `atMost`. */
  notesInRoom(roomId: string, atMost: number): Promise<Map<string, string> | undefined>;
}

/**
 * How long a note is kept: it only has to outlive a $connect that was running when the
 * DisconnectUser landed (API Gateway gives $connect at most 29 s).
 */
const KEEP_SECONDS = 120;

/** The expiry (epoch seconds) of the note written at `at`: DynamoDB's TTL (local mode: its sweeper) deletes it then. */
export const disconnectionExpiry = (at: number): number => Math.ceil(at / 1000) + KEEP_SECONDS;

/**
 * DisconnectUser notes, one item per room and user, each replacing the last. DisconnectUser writes
 * its note before it looks for the user's connections; $connect reads the note before and after
 * writing its record, so a connection racing a DisconnectUser is closed by one or refused by the
 * other. Comparing ids, not times, keeps clocks out of it.
 */
export function createDisconnectionStore(deps: { doc: DynamoDBDocumentClient; tableName: string }): DisconnectionStore {
  const { doc, tableName: TableName } = deps;
  return translatingErrors<DisconnectionStore>(
    {
      note: async (roomId, userId, { id, at }) => {
        await doc.send(
          new PutCommand({
            TableName,
            Item: { ...disconnectionKey(roomId, userId), noteId: id, disconnectedAtMs: at, [TABLE.ttlAttribute]: disconnectionExpiry(at) },
          }),
        );
      },

      last: async (roomId, userId) => {
        const { Item } = await doc.send(new GetCommand({ TableName, Key: disconnectionKey(roomId, userId), ConsistentRead: true }));
        return typeof Item?.noteId === 'string' ? Item.noteId : undefined;
      },

      notesInRoom: async (roomId, atMost) => {
        const items = await smallPartition(doc, TableName, disconnectionsOfRoomPartition(roomId), atMost);
        if (!items) return undefined;
        return new Map(
          items.flatMap((item) =>
            typeof item.noteId === 'string' ? [[userIdOfDisconnectionSortKey(String(item[TABLE.sortKey])), item.noteId] as const] : [],
          ),
        );
      },
    },
    ([roomId]) => ({ id: String(roomId), type: 'ROOM' }),
  );
}
