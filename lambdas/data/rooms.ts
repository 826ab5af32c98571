import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Room, RoomPatch } from '../domain/room';
import { ResourceNotFoundException } from '../shared/errors';
import { onConditionFailure, translatingErrors } from './dynamo-errors';
import { readIndexPage } from './index-pages';
import { ALL_ROOMS_PARTITION, ROOM_LIST_SORT_KEY_PATTERN, roomIdOfSortKey, roomKey, roomListSortKey, roomNamePartition } from './keys';
import { QuotaCounter, createWithQuota } from './quotas';
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

  // Every operation's first argument is the room or its id; listPage reads them all.
  return translatingErrors<RoomStore>(
    {
      create: (room) =>
        createWithQuota(quota, { id: room.id, type: 'ROOM', plural: 'rooms', singular: 'Room' }, () =>
          doc.send(
            new PutCommand({
              TableName,
              Item: { ...roomKey(room.id), ...indexKeys(room), ...room, loggingRevision: NEW_ROOM_REVISION },
              ConditionExpression: 'attribute_not_exists(PK)',
            }),
          ),
        ),

      get: async (id) => toRoom(await read(id)),

      getRevisioned: async (id) => {
        const item = await read(id);
        return { room: toRoom(item), revision: revisionOf(item) };
      },

      update: (id, patch, updateTime) =>
        onConditionFailure(write(id, patch, updateTime), () => {
          throw notFound(id);
        }),

      // A failed condition is a revision moved on, or a room gone (then read() throws NotFound).
      updateAtRevision: (id, patch, updateTime, revision) =>
        onConditionFailure(write(id, patch, updateTime, revision), async () => {
          await read(id);
          return undefined;
        }),

      bumpRevision: (id, revision) =>
        onConditionFailure(
          doc
            .send(
              new UpdateCommand({
                TableName,
                Key: roomKey(id),
                UpdateExpression: 'SET #rev = :next',
                ConditionExpression: `${ROOM_EXISTS} AND ${revisionIs(revision)}`,
                ExpressionAttributeNames: { '#rev': 'loggingRevision' },
                ExpressionAttributeValues: { ':next': revision + 1, ...(revision === 0 ? {} : { ':rev': revision }) },
              }),
            )
            .then(() => true),
          () => false,
        ),

      delete: async (id) => {
        const { Attributes: old } = await onConditionFailure(
          doc.send(new DeleteCommand({ TableName, Key: roomKey(id), ConditionExpression: ROOM_EXISTS, ReturnValues: 'ALL_OLD' })),
          () => {
            throw notFound(id);
          },
        );
        await quota.release();
        return toRoom(old ?? {});
      },

      listPage: async (query) => {
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
      },
    },
    ([first]) => ({ id: typeof first === 'string' ? first : ((first as Room | undefined)?.id ?? 'rooms'), type: 'ROOM' }),
  );
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
