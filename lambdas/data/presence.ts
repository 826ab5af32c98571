import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { translatingErrors } from './dynamo-errors';
import { queryAll } from './index-pages';
import { connectionKey, connectionOfIndexItem, connectionsOfRoomPartition, userOfRoomConnectionSortKey } from './keys';
import { TABLE } from './table';

/** What presence shows of one open connection. `connectedAt` is epoch ms. */
export interface PresentConnection {
  connectionId: string;
  attributes: Record<string, string>;
  connectedAt: number;
  sessionExpiresAt: number;
}

export interface PresenceStore {
  /** Every connection of a room with its user: one keys-only query of ConnectionsByRoom (paged), the user read from its sort key. */
  members(roomId: string): Promise<{ connectionId: string; userId: string }[]>;
  /** What presence shows of one connection; undefined once its record is gone. */
  connection(connectionId: string): Promise<PresentConnection | undefined>;
}

const { connectionsByRoom } = TABLE.indexes;

/**
 * Presence reads the connection records $connect writes (data/connections.ts) and nothing else:
 * who is in a room is exactly which connection records it has, so there is no counter to drift.
 */
export function createPresenceStore(deps: { doc: DynamoDBDocumentClient; tableName: string }): PresenceStore {
  const { doc, tableName: TableName } = deps;
  return translatingErrors<PresenceStore>(
    {
      members: async (roomId) =>
        (
          await queryAll(doc, {
            TableName,
            IndexName: connectionsByRoom.indexName,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': connectionsByRoom.partitionKey },
            ExpressionAttributeValues: { ':pk': connectionsOfRoomPartition(roomId) },
          })
        ).map((item) => ({
          connectionId: connectionOfIndexItem(item),
          userId: userOfRoomConnectionSortKey(String(item[connectionsByRoom.sortKey])),
        })),

      connection: async (connectionId) => {
        const { Item } = await doc.send(
          new GetCommand({
            TableName,
            Key: connectionKey(connectionId),
            ProjectionExpression: '#attributes, connectedAt, sessionExpiresAt',
            ExpressionAttributeNames: { '#attributes': 'attributes' },
          }),
        );
        if (!Item) return undefined;
        return {
          connectionId,
          attributes: (Item.attributes ?? {}) as Record<string, string>,
          connectedAt: Number(Item.connectedAt),
          sessionExpiresAt: Number(Item.sessionExpiresAt),
        };
      },
    },
    ([first]) => ({ id: typeof first === 'string' ? first : 'presence', type: 'ROOM' }),
  );
}
