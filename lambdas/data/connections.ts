import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Capability } from '../domain/chat-token';
import { onConditionFailure, translatingErrors } from './dynamo-errors';
import { queryAll } from './index-pages';
import {
  connectionExpiryPartition,
  connectionExpirySortKey,
  connectionKey,
  connectionOfIndexItem,
  connectionsOfRoomPartition,
  roomConnectionSortKey,
  userConnectionsPrefix,
} from './keys';
import { TABLE } from './table';

/** One open WebSocket connection of a chat session. Times are epoch milliseconds. */
export interface Connection {
  connectionId: string;
  roomId: string;
  roomArn: string;
  userId: string;
  capabilities: Capability[];
  attributes: Record<string, string>;
  sessionExpiresAt: number;
  connectedAt: number;
  sourceIp?: string;
}

export interface ConnectionStore {
  put(connection: Connection): Promise<void>;
  get(connectionId: string): Promise<Connection | undefined>;
  /**
   * Removes the record; returns what it held, or undefined when it was already gone. With
   * `connectedBefore`, only a record of a connection made before that time (epoch ms) is removed.
   */
  remove(connectionId: string, options?: { connectedBefore?: number }): Promise<Connection | undefined>;
  /** Ids of every connection of a room: one index query (paged), never a scan. */
  idsInRoom(roomId: string): Promise<string[]>;
  /** Ids of one user's connections in a room (a user may hold several at once). */
  idsOfUser(roomId: string, userId: string): Promise<string[]>;
  /** Ids of connections whose session ended at or before `now`, looking back `lookbackMs`. */
  expired(now: number, lookbackMs: number): Promise<string[]>;
}

const { connectionsByRoom, connectionsByExpiry } = TABLE.indexes;
/** How long a record outlives its session before DynamoDB TTL may delete it (cleanup only). */
const TTL_SLACK_SECONDS = 3600;

/**
 * Connection records, keyed by connection id (what $disconnect and PostToConnection know), with two
 * keys-only indexes: by room (fan-out, and one user's connections through a prefix of the sort
 * key) and by session-expiry minute (the sweeper that ends expired sessions).
 */
export function createConnectionStore(deps: { doc: DynamoDBDocumentClient; tableName: string }): ConnectionStore {
  const { doc, tableName: TableName } = deps;

  const queryIds = async (input: {
    indexName: string;
    key: string;
    partition: string;
    sortCondition?: string;
    values?: Record<string, unknown>;
  }) =>
    (
      await queryAll(doc, {
        TableName,
        IndexName: input.indexName,
        KeyConditionExpression: `#pk = :pk${input.sortCondition ? ` AND ${input.sortCondition}` : ''}`,
        ExpressionAttributeNames: { '#pk': input.key, ...(input.sortCondition ? { '#sk': skOf(input.indexName) } : {}) },
        ExpressionAttributeValues: { ':pk': input.partition, ...input.values },
      })
    ).map(connectionOfIndexItem);

  // Throttling names the room (or the connection) the operation is about.
  return translatingErrors<ConnectionStore>(
    {
      put: async (c) => {
        await doc.send(
          new PutCommand({
            TableName,
            Item: {
              ...connectionKey(c.connectionId),
              [connectionsByRoom.partitionKey]: connectionsOfRoomPartition(c.roomId),
              [connectionsByRoom.sortKey]: roomConnectionSortKey(c.userId, c.connectionId),
              [connectionsByExpiry.partitionKey]: connectionExpiryPartition(c.sessionExpiresAt),
              [connectionsByExpiry.sortKey]: connectionExpirySortKey(c.sessionExpiresAt, c.connectionId),
              [TABLE.ttlAttribute]: Math.ceil(c.sessionExpiresAt / 1000) + TTL_SLACK_SECONDS,
              ...c,
            },
          }),
        );
      },

      get: async (connectionId) => {
        const { Item } = await doc.send(new GetCommand({ TableName, Key: connectionKey(connectionId), ConsistentRead: true }));
        return Item ? toConnection(Item) : undefined;
      },

      remove: async (connectionId, options = {}) => {
        const cutoff = options.connectedBefore;
        const { Attributes } = await onConditionFailure(
          doc.send(
            new DeleteCommand({
              TableName,
              Key: connectionKey(connectionId),
              ReturnValues: 'ALL_OLD',
              ...(cutoff === undefined
                ? {}
                : { ConditionExpression: 'connectedAt < :cutoff', ExpressionAttributeValues: { ':cutoff': cutoff } }),
            }),
          ),
          // Only a conditional remove can fail its condition: the connection is younger than the cutoff.
          () => ({ Attributes: undefined }),
        );
        return Attributes ? toConnection(Attributes) : undefined;
      },

      idsInRoom: (roomId) =>
        queryIds({
          indexName: connectionsByRoom.indexName,
          key: connectionsByRoom.partitionKey,
          partition: connectionsOfRoomPartition(roomId),
        }),

      idsOfUser: (roomId, userId) =>
        queryIds({
          indexName: connectionsByRoom.indexName,
          key: connectionsByRoom.partitionKey,
          partition: connectionsOfRoomPartition(roomId),
          sortCondition: 'begins_with(#sk, :prefix)',
          values: { ':prefix': userConnectionsPrefix(userId) },
        }),

      expired: async (now, lookbackMs) => {
        const ids: string[] = [];
        for (let minute = now - lookbackMs; minute <= now + 60_000; minute += 60_000) {
          ids.push(
            ...(await queryIds({
              indexName: connectionsByExpiry.indexName,
              key: connectionsByExpiry.partitionKey,
              partition: connectionExpiryPartition(minute),
              sortCondition: '#sk <= :now',
              values: { ':now': connectionExpirySortKey(now, '~') },
            })),
          );
        }
        return ids;
      },
    },
    ([first]) => ({ id: typeof first === 'string' ? first : ((first as Connection | undefined)?.roomId ?? 'sessions'), type: 'ROOM' }),
  );
}

const skOf = (indexName: string): string => Object.values(TABLE.indexes).find((index) => index.indexName === indexName)?.sortKey ?? '';

function toConnection(item: Record<string, unknown>): Connection {
  return {
    connectionId: String(item.connectionId),
    roomId: String(item.roomId),
    roomArn: String(item.roomArn),
    userId: String(item.userId),
    capabilities: (item.capabilities ?? []) as Capability[],
    attributes: (item.attributes ?? {}) as Record<string, string>,
    sessionExpiresAt: Number(item.sessionExpiresAt),
    connectedAt: Number(item.connectedAt),
    ...(item.sourceIp === undefined ? {} : { sourceIp: String(item.sourceIp) }),
  };
}
