import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Capability } from '../domain/chat-token';
import { isConditionFailure, withThrottling } from './dynamo-errors';
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

  const queryIds = async (input: { indexName: string; key: string; partition: string; sortCondition?: string; values?: Record<string, unknown> }) => {
    const ids: string[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(
        new QueryCommand({
          TableName,
          IndexName: input.indexName,
          KeyConditionExpression: `#pk = :pk${input.sortCondition ? ` AND ${input.sortCondition}` : ''}`,
          ExpressionAttributeNames: { '#pk': input.key, ...(input.sortCondition ? { '#sk': skOf(input.indexName) } : {}) },
          ExpressionAttributeValues: { ':pk': input.partition, ...input.values },
          ExclusiveStartKey,
        }),
      );
      for (const item of page.Items ?? []) ids.push(connectionOfIndexItem(item));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return ids;
  };

  return {
    put: (c) =>
      withThrottling(c.roomId, 'ROOM', async () => {
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
      }),

    get: (connectionId) =>
      withThrottling(connectionId, 'ROOM', async () => {
        const { Item } = await doc.send(new GetCommand({ TableName, Key: connectionKey(connectionId), ConsistentRead: true }));
        return Item ? toConnection(Item) : undefined;
      }),

    remove: (connectionId, options = {}) =>
      withThrottling(connectionId, 'ROOM', async () => {
        const cutoff = options.connectedBefore;
        try {
          const { Attributes } = await doc.send(
            new DeleteCommand({
              TableName,
              Key: connectionKey(connectionId),
              ReturnValues: 'ALL_OLD',
              ...(cutoff === undefined
                ? {}
                : { ConditionExpression: 'connectedAt < :cutoff', ExpressionAttributeValues: { ':cutoff': cutoff } }),
            }),
          );
          return Attributes ? toConnection(Attributes) : undefined;
        } catch (err) {
          if (cutoff !== undefined && isConditionFailure(err)) return undefined;
          throw err;
        }
      }),

    idsInRoom: (roomId) =>
      withThrottling(roomId, 'ROOM', () =>
        queryIds({ indexName: connectionsByRoom.indexName, key: connectionsByRoom.partitionKey, partition: connectionsOfRoomPartition(roomId) }),
      ),

    idsOfUser: (roomId, userId) =>
      withThrottling(roomId, 'ROOM', () =>
        queryIds({
          indexName: connectionsByRoom.indexName,
          key: connectionsByRoom.partitionKey,
          partition: connectionsOfRoomPartition(roomId),
          sortCondition: 'begins_with(#sk, :prefix)',
          values: { ':prefix': userConnectionsPrefix(userId) },
        }),
      ),

    expired: (now, lookbackMs) =>
      withThrottling('sessions', 'ROOM', async () => {
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
      }),
  };
}

const skOf = (indexName: string): string =>
  Object.values(TABLE.indexes).find((index) => index.indexName === indexName)?.sortKey ?? '';

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
 * separate functions, whose writes this process would not see, so production wiring does not use it.
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
        return room.list as string[];
      },
      (err: unknown) => {
        Object.assign(room, { loading: undefined, changes: undefined });
        throw err;
      },
    );
    return room.loading;
  };

  return {
    ...store,
    put: async (connection) => {
      await store.put(connection);
      rooms.set(connection.connectionId, connection.roomId);
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
