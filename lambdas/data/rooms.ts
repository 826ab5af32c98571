import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Room, RoomPatch } from '../domain/room';
import { ConflictException, ResourceNotFoundException, ServiceQuotaExceededException } from '../shared/errors';
import { isConditionFailure, withThrottling } from './dynamo-errors';
import { readIndexPage } from './index-pages';
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
  /** Writes a new room at logging revision NEW_ROOM_REVISION. */
  create(room: Room): Promise<void>;
  get(id: string): Promise<Room>;
  /** The room and its logging revision, which orders changes of its logging configurations (core/rooms.ts). */
  getRevisioned(id: string): Promise<{ room: Room; revision: number }>;
  /** Changes the room; the patch must not hold loggingConfigurationIdentifiers (see updateAtRevision). */
  update(id: string, patch: RoomPatch, updateTime: string): Promise<Room>;
  /** Changes the room only if its logging revision is still `revision`, moving it to `revision + 1`; undefined if it moved on. */
  updateAtRevision(id: string, patch: RoomPatch, updateTime: string, revision: number): Promise<Room | undefined>;
  /** Moves the logging revision from `revision` to the next, changing nothing else; false if it was not `revision` (or the room is gone). */
  bumpRevision(id: string, revision: number): Promise<boolean>;
  /** Removes the room; returns what it was. */
  delete(id: string): Promise<Room>;
  listPage(query: RoomQuery): Promise<RoomPage>;
}

/** The logging revision of a room just created; rooms created before revisions existed read as 0. */
export const NEW_ROOM_REVISION = 1;

/** Sort-key positions a ListRooms token may carry. */
export const ROOM_POSITION_PATTERN = ROOM_LIST_SORT_KEY_PATTERN;

const { roomsByUpdateTime, roomsByName } = TABLE.indexes;
/** Attributes of a room item that are not part of the Room itself. */
const ITEM_ONLY = ['PK', 'SK', 'GSI1PK', 'GSI1SK', 'GSI2PK', 'GSI2SK', 'loggingRevision'] as const;
/** The condition that makes every write to a room fail once the room is gone, so nothing resurrects it. */
const ROOM_EXISTS = 'attribute_exists(PK)';

/**
 * Rooms, one item each, with their tags inside (see data/tags.ts). Every write after the create is
 * conditioned on the item existing, so a concurrent DeleteRoom is never undone.
 */
export function createRoomStore(deps: { doc: DynamoDBDocumentClient; tableName: string; quota: QuotaCounter }): RoomStore {
  const { doc, tableName: TableName, quota } = deps;
  const notFound = (id: string) => new ResourceNotFoundException(`Room not found: ${id}`, id, 'ROOM');
  const read = async (id: string) => {
    const { Item } = await doc.send(new GetCommand({ TableName, Key: roomKey(id), ConsistentRead: true }));
    if (!Item) throw notFound(id);
    return Item;
  };

  /**
   * One UpdateItem setting only the members given. With `revision`, it is conditioned on the
   * room's logging revision and moves it on: see core/rooms.ts for why.
   */
  const write = async (id: string, patch: RoomPatch, updateTime: string, revision?: number) => {
    const set: Record<string, unknown> = { updateTime, GSI1SK: roomListSortKey(updateTime, id), GSI2SK: roomListSortKey(updateTime, id) };
    const remove: string[] = [];
    for (const [field, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      if (value === null) remove.push(field);
      else set[field] = value;
    }
    if (patch.name !== undefined) set.GSI2PK = roomNamePartition(patch.name);
    if (revision !== undefined) set.loggingRevision = revision + 1;
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
    if (revision !== undefined) {
      names['#rev'] = 'loggingRevision';
      if (revision !== 0) values[':rev'] = revision;
    }
    const { Attributes } = await doc.send(
      new UpdateCommand({
        TableName,
        Key: roomKey(id),
        UpdateExpression: `SET ${setParts.join(', ')}${removeParts.length ? ` REMOVE ${removeParts.join(', ')}` : ''}`,
        ConditionExpression: revision === undefined ? ROOM_EXISTS : `${ROOM_EXISTS} AND ${revisionIs(revision)}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toRoom(Attributes ?? {});
  };

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
              Item: { ...roomKey(room.id), ...indexKeys(room), ...room, loggingRevision: NEW_ROOM_REVISION },
              ConditionExpression: 'attribute_not_exists(PK)',
            }),
          );
        } catch (err) {
          await quota.release();
          if (isConditionFailure(err)) throw new ConflictException(`Room id ${room.id} is taken, retry`, room.id, 'ROOM');
          throw err;
        }
      }),

    get: (id) => withThrottling(id, 'ROOM', async () => toRoom(await read(id))),

    getRevisioned: (id) =>
      withThrottling(id, 'ROOM', async () => {
        const item = await read(id);
        return { room: toRoom(item), revision: revisionOf(item) };
      }),

    update: (id, patch, updateTime) =>
      withThrottling(id, 'ROOM', async () => {
        try {
          return await write(id, patch, updateTime);
        } catch (err) {
          if (isConditionFailure(err)) throw notFound(id);
          throw err;
        }
      }),

    updateAtRevision: (id, patch, updateTime, revision) =>
      withThrottling(id, 'ROOM', async () => {
        try {
          return await write(id, patch, updateTime, revision);
        } catch (err) {
          if (!isConditionFailure(err)) throw err;
          await read(id);
          return undefined;
        }
      }),

    bumpRevision: (id, revision) =>
      withThrottling(id, 'ROOM', async () => {
        try {
          await doc.send(
            new UpdateCommand({
              TableName,
              Key: roomKey(id),
              UpdateExpression: 'SET #rev = :next',
              ConditionExpression: `${ROOM_EXISTS} AND ${revisionIs(revision)}`,
              ExpressionAttributeNames: { '#rev': 'loggingRevision' },
              ExpressionAttributeValues: { ':next': revision + 1, ...(revision === 0 ? {} : { ':rev': revision }) },
            }),
          );
          return true;
        } catch (err) {
          if (isConditionFailure(err)) return false;
          throw err;
        }
      }),

    delete: (id) =>
      withThrottling(id, 'ROOM', async () => {
        let old: Record<string, unknown> | undefined;
        try {
          ({ Attributes: old } = await doc.send(
            new DeleteCommand({ TableName, Key: roomKey(id), ConditionExpression: ROOM_EXISTS, ReturnValues: 'ALL_OLD' }),
          ));
        } catch (err) {
          if (isConditionFailure(err)) throw notFound(id);
          throw err;
        }
        await quota.release();
        return toRoom(old ?? {});
      }),

    listPage: (query) =>
      withThrottling('rooms', 'ROOM', async () => {
        const byName = query.name !== undefined;
        const { items, last } = await readIndexPage(doc, {
          TableName,
          index: byName ? roomsByName : roomsByUpdateTime,
          partition: byName ? roomNamePartition(query.name ?? '') : ALL_ROOMS_PARTITION,
          limit: query.limit,
          after: query.after ? { sortKey: query.after, key: roomKey(roomIdOfSortKey(query.after)) } : undefined,
          filter: roomFilter(query),
        });
        return { rooms: items.map(toRoom), ...(last ? { last } : {}) };
      }),
  };
}

/** The condition that the room's logging revision (`#rev`, value `:rev`) is `revision`; rooms older than revisions have none. */
const revisionIs = (revision: number): string => (revision === 0 ? 'attribute_not_exists(#rev)' : '#rev = :rev');

const revisionOf = (item: Record<string, unknown>): number => Number(item.loggingRevision ?? 0);

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
