import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { translatingErrors } from './dynamo-errors';
import { queryAll, readIndexPage, smallPartition } from './index-pages';
import { BAN_LIST_SORT_KEY_PATTERN, banKey, banListSortKey, bansOfRoomPartition, userIdOfBanSortKey } from './keys';
import { TABLE, roomTimelineAttributes } from './table';

/** A user's ban from a room. Times are RFC 3339; no expirationTime: until UnbanUser. */
export interface Ban {
  userId: string;
  reason?: string;
  createTime: string;
  expirationTime?: string;
}

export interface BanStore {
  /** Writes the ban, replacing an earlier one of the same user. */
  put(roomId: string, ban: Ban): Promise<void>;
  /** The user's ban if it is in force at `now` (epoch ms). */
  active(roomId: string, userId: string, now: number): Promise<Ban | undefined>;
  /** Lifts the ban; nothing to lift is not an error. */
  remove(roomId: string, userId: string): Promise<void>;
  /** One page of the bans in force at `now`, newest first; `after` is the previous page's last position. */
  listPage(query: { roomId: string; now: number; limit: number; after?: string }): Promise<{ bans: Ban[]; last?: string }>;
  /**
   * Every ban of the room, ended or not (readers compare the end), from one strongly consistent
   * query of its partition; undefined when it holds more than `atMost`. For a cache of the room's
   * bans (local mode): the main table, so it works whatever indexes the table has.
   */
  inRoom(roomId: string, atMost: number): Promise<Ban[] | undefined>;
  /** Every ban of the room (DeleteRoom): one query of its partition, one delete each. */
  removeAll(roomId: string): Promise<void>;
}

/** Positions a ListBans token may carry. */
export const BAN_POSITION_PATTERN = BAN_LIST_SORT_KEY_PATTERN;

const { roomTimeline } = TABLE.indexes;
/** Epoch ms at which a ban ends; the TTL attribute (seconds) is only cleanup, reads compare this. */
const ENDS_AT = 'endsAtMs';

/**
 * Bans, one item per room and user (what CreateChatToken and $connect look up with one GetItem),
 * in the room's own partition, and in the RoomTimeline index by createTime for ListBans. A ban
 * with a duration carries the TTL attribute, so DynamoDB (local mode: its sweeper) removes it
 * some time after it ended; every read checks the end itself.
 */
export function createBanStore(deps: { doc: DynamoDBDocumentClient; tableName: string }): BanStore {
  const { doc, tableName: TableName } = deps;
  const inForce = { expression: `attribute_not_exists(#end) OR #end > :now`, names: { '#end': ENDS_AT } };
  return translatingErrors<BanStore>(
    {
      put: async (roomId, ban) => {
        const endsAt = ban.expirationTime === undefined ? undefined : Date.parse(ban.expirationTime);
        await doc.send(
          new PutCommand({
            TableName,
            Item: {
              ...banKey(roomId, ban.userId),
              ...roomTimelineAttributes(bansOfRoomPartition(roomId), banListSortKey(ban.createTime, ban.userId)),
              ...ban,
              ...(endsAt === undefined ? {} : { [ENDS_AT]: endsAt, [TABLE.ttlAttribute]: Math.ceil(endsAt / 1000) }),
            },
          }),
        );
      },

      active: async (roomId, userId, now) => {
        const { Item } = await doc.send(new GetCommand({ TableName, Key: banKey(roomId, userId), ConsistentRead: true }));
        return Item && !(typeof Item[ENDS_AT] === 'number' && Item[ENDS_AT] <= now) ? toBan(Item) : undefined;
      },

      remove: async (roomId, userId) => {
        await doc.send(new DeleteCommand({ TableName, Key: banKey(roomId, userId) }));
      },

      listPage: async ({ roomId, now, limit, after }) => {
        const { items, last } = await readIndexPage(doc, {
          TableName,
          index: roomTimeline,
          partition: bansOfRoomPartition(roomId),
          limit,
          after: after ? { sortKey: after, key: banKey(roomId, userIdOfBanSortKey(after)) } : undefined,
          filter: { ...inForce, values: { ':now': now } },
        });
        return { bans: items.map(toBan), ...(last ? { last } : {}) };
      },

      inRoom: async (roomId, atMost) => (await smallPartition(doc, TableName, bansOfRoomPartition(roomId), atMost))?.map(toBan),

      removeAll: async (roomId) => {
        const keys = await queryAll(doc, {
          TableName,
          KeyConditionExpression: '#pk = :pk',
          ProjectionExpression: '#pk, #sk',
          ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#sk': TABLE.sortKey },
          ExpressionAttributeValues: { ':pk': bansOfRoomPartition(roomId) },
        });
        for (const Key of keys) await doc.send(new DeleteCommand({ TableName, Key }));
      },
    },
    ([first]) => ({ id: typeof first === 'string' ? first : String((first as { roomId?: string } | undefined)?.roomId), type: 'ROOM' }),
  );
}

function toBan(item: Record<string, unknown>): Ban {
  return {
    userId: String(item.userId),
    ...(item.reason === undefined ? {} : { reason: String(item.reason) }),
    createTime: String(item.createTime),
    ...(item.expirationTime === undefined ? {} : { expirationTime: String(item.expirationTime) }),
  };
}
