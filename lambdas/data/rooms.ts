import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Room, RoomPatch } from '../domain/room';
import { ConflictException, ResourceNotFoundException, ServiceQuotaExceededException } from '../shared/errors';
import { isConditionFailure, withThrottling } from './dynamo-errors';
import {
  ALL_ROOMS_PARTITION,
  ROOM_LIST_SORT_KEY_PATTERN,
  roomIdOfSortKey,
  roomKey,
  roomListSortKey,
  roomNamePartition,
} from './keys';
import type { QuotaCounter } from './quotas';
import { TABLE } from './table';

/** Which rooms a ListRooms page holds; `after` is the sort key of the previous page's last room. */
export interface RoomQuery {
  name?: string;
  messageReviewHandlerUri?: string;
  loggingConfigurationIdentifier?: string;
  limit: number;
  after?: string;
}

export interface RoomPage {
  rooms: Room[];
  /** Set when more rooms follow: the position to pass as `after`. */
  last?: string;
}

export interface RoomStore {
  create(room: Room): Promise<void>;
  get(id: string): Promise<Room>;
  update(id: string, patch: RoomPatch, updateTime: string): Promise<Room>;
  delete(id: string): Promise<void>;
  listPage(query: RoomQuery): Promise<RoomPage>;
}

/** Sort-key positions a ListRooms token may carry. */
export const ROOM_POSITION_PATTERN = ROOM_LIST_SORT_KEY_PATTERN;

const { roomsByUpdateTime, roomsByName } = TABLE.indexes;
/** Attributes of a room item that are not part of the Room itself. */
const ITEM_ONLY = ['PK', 'SK', 'GSI1PK', 'GSI1SK', 'GSI2PK', 'GSI2SK'] as const;
/** The condition that makes every write to a room fail once the room is gone, so nothing resurrects it. */
const ROOM_EXISTS = 'attribute_exists(PK)';
/** With a filter, DynamoDB's Limit counts items read before filtering: read in larger steps. */
const FILTERED_READ_STEP = 100;

/**
 * Rooms, one item each, with their tags inside (see data/tags.ts). Every write after the create is
 * conditioned on the item existing, so a concurrent DeleteRoom is never undone.
 */
export function createRoomStore(deps: { doc: DynamoDBDocumentClient; tableName: string; quota: QuotaCounter }): RoomStore {
  const { doc, tableName: TableName, quota } = deps;
  const notFound = (id: string) => new ResourceNotFoundException(`Room not found: ${id}`, id, 'ROOM');

  return {
    create: (room) =>
      withThrottling(room.id, 'ROOM', async () => {
        if (!(await quota.reserve())) {
          throw new ServiceQuotaExceededException(
            `The rooms quota of ${quota.limit} per account and region is used up`,
            room.id,
            'ROOM',
            quota.limit,
          );
        }
        try {
          await doc.send(
            new PutCommand({
              TableName,
              Item: { ...roomKey(room.id), ...indexKeys(room), ...room },
              ConditionExpression: 'attribute_not_exists(PK)',
            }),
          );
        } catch (err) {
          await quota.release();
          if (isConditionFailure(err)) throw new ConflictException(`Room id ${room.id} is taken, retry`, room.id, 'ROOM');
          throw err;
        }
      }),

    get: (id) =>
      withThrottling(id, 'ROOM', async () => {
        const { Item } = await doc.send(new GetCommand({ TableName, Key: roomKey(id), ConsistentRead: true }));
        if (!Item) throw notFound(id);
        return toRoom(Item);
      }),

    update: (id, patch, updateTime) =>
      withThrottling(id, 'ROOM', async () => {
        const set: Record<string, unknown> = { updateTime, GSI1SK: roomListSortKey(updateTime, id), GSI2SK: roomListSortKey(updateTime, id) };
        const remove: string[] = [];
        for (const [field, value] of Object.entries(patch)) {
          if (value === undefined) continue;
          if (value === null) remove.push(field);
          else set[field] = value;
        }
        if (patch.name !== undefined) set.GSI2PK = roomNamePartition(patch.name);
        const names: Record<string, string> = {};
        const values: Record<string, unknown> = {};
        const setParts = Object.entries(set).map(([field, value], i) => {
          names[`#s${i}`] = field;
          values[`:s${i}`] = value;
          return `#s${i} = :s${i}`;
        });
        const removeParts = remove.map((field, i) => {
          names[`#r${i}`] = field;
          return `#r${i}`;
        });
        try {
          const { Attributes } = await doc.send(
            new UpdateCommand({
              TableName,
              Key: roomKey(id),
              UpdateExpression: `SET ${setParts.join(', ')}${removeParts.length ? ` REMOVE ${removeParts.join(', ')}` : ''}`,
              ConditionExpression: ROOM_EXISTS,
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
              ReturnValues: 'ALL_NEW',
            }),
          );
          return toRoom(Attributes ?? {});
        } catch (err) {
          if (isConditionFailure(err)) throw notFound(id);
          throw err;
        }
      }),

    delete: (id) =>
      withThrottling(id, 'ROOM', async () => {
        try {
          await doc.send(new DeleteCommand({ TableName, Key: roomKey(id), ConditionExpression: ROOM_EXISTS }));
        } catch (err) {
          if (isConditionFailure(err)) throw notFound(id);
          throw err;
        }
        await quota.release();
      }),

    listPage: (query) =>
      withThrottling('rooms', 'ROOM', async () => {
        const byName = query.name !== undefined;
        const index = byName ? roomsByName : roomsByUpdateTime;
        const partition = byName ? roomNamePartition(query.name ?? '') : ALL_ROOMS_PARTITION;
        const filter = roomFilter(query);
        let startKey: Record<string, unknown> | undefined = query.after
          ? { ...roomKey(roomIdOfSortKey(query.after)), [index.partitionKey]: partition, [index.sortKey]: query.after }
          : undefined;
        // One room more than asked for tells whether another page follows, so the last page never
        // carries a nextToken that leads to an empty page.
        const items: Record<string, unknown>[] = [];
        do {
          const page = await doc.send(
            new QueryCommand({
              TableName,
              IndexName: index.indexName,
              KeyConditionExpression: '#pk = :pk',
              ScanIndexForward: false,
              Limit: filter ? FILTERED_READ_STEP : query.limit + 1 - items.length,
              ExclusiveStartKey: startKey,
              FilterExpression: filter?.expression,
              ExpressionAttributeNames: { '#pk': index.partitionKey, ...filter?.names },
              ExpressionAttributeValues: { ':pk': partition, ...filter?.values },
            }),
          );
          items.push(...(page.Items ?? []));
          startKey = page.LastEvaluatedKey;
        } while (items.length <= query.limit && startKey);
        const rooms = items.slice(0, query.limit);
        const lastItem = rooms[rooms.length - 1];
        return {
          rooms: rooms.map(toRoom),
          ...(items.length > query.limit && lastItem ? { last: String(lastItem[index.sortKey]) } : {}),
        };
      }),
  };
}

function indexKeys(room: Room) {
  const sortKey = roomListSortKey(room.updateTime, room.id);
  return {
    [roomsByUpdateTime.partitionKey]: ALL_ROOMS_PARTITION,
    [roomsByUpdateTime.sortKey]: sortKey,
    [roomsByName.partitionKey]: roomNamePartition(room.name),
    [roomsByName.sortKey]: sortKey,
  };
}

function roomFilter(query: RoomQuery) {
  const parts: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  if (query.messageReviewHandlerUri !== undefined) {
    names['#mrh'] = 'messageReviewHandler';
    if (query.messageReviewHandlerUri === '') {
      parts.push('attribute_not_exists(#mrh)');
    } else {
      names['#uri'] = 'uri';
      values[':uri'] = query.messageReviewHandlerUri;
      parts.push('#mrh.#uri = :uri');
    }
  }
  if (query.loggingConfigurationIdentifier !== undefined) {
    names['#lci'] = 'loggingConfigurationIdentifiers';
    values[':lci'] = query.loggingConfigurationIdentifier;
    parts.push('contains(#lci, :lci)');
  }
  return parts.length ? { expression: parts.join(' AND '), names, values } : undefined;
}

function toRoom(item: Record<string, unknown>): Room {
  const room: Record<string, unknown> = { ...item };
  for (const attribute of ITEM_ONLY) delete room[attribute];
  return room as unknown as Room;
}
