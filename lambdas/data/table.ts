import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The one DynamoDB table, described once. The CDK construct, local mode's dynalite bootstrap and
 * the tests all build the table from this, so keys and indexes cannot drift from the code.
 * Import-safe: no config reads, no clients.
 */
export const TABLE = {
  partitionKey: 'PK',
  sortKey: 'SK',
  indexes: {
    /** Every room, newest updateTime first: serves ListRooms without a filter on name. */
    roomsByUpdateTime: { indexName: 'RoomsByUpdateTime', partitionKey: 'GSI1PK', sortKey: 'GSI1SK', projection: 'ALL' },
    /** Rooms sharing one name, newest updateTime first: serves ListRooms' `name` filter. */
    roomsByName: { indexName: 'RoomsByName', partitionKey: 'GSI2PK', sortKey: 'GSI2SK', projection: 'ALL' },
    /** A room's connections, sorted by user: fan-out, and one user's connections by prefix. */
    connectionsByRoom: { indexName: 'ConnectionsByRoom', partitionKey: 'GSI3PK', sortKey: 'GSI3SK', projection: 'KEYS_ONLY' },
    /** Connections by the minute their session ends: the sweeper that ends expired sessions. */
    connectionsByExpiry: { indexName: 'ConnectionsByExpiry', partitionKey: 'GSI4PK', sortKey: 'GSI4SK', projection: 'KEYS_ONLY' },
    /** Every logging configuration, newest createTime first: serves ListLoggingConfigurations. */
    loggingConfigurationsByCreateTime: {
      indexName: 'LoggingConfigurationsByCreateTime',
      partitionKey: 'GSI5PK',
      sortKey: 'GSI5SK',
      projection: 'ALL',
    },
    /**
     * A room's history and its bans, newest first, in two partitions per room (`HIST#`, `BANS#`).
     * One index for both: CloudFormation adds one index per table update, so a deployed stack
     * gains the extensions in a single update.
     */
    roomTimeline: { indexName: 'RoomTimeline', partitionKey: 'GSI6PK', sortKey: 'GSI6SK', projection: 'ALL' },
  },
  /** Epoch seconds after which an item is dead; DynamoDB TTL deletes it eventually, reads check it. */
  ttlAttribute: 'expiresAt',
} as const;

export type IndexName = keyof typeof TABLE.indexes;

/** The RoomTimeline index attributes of an item (a room's bans, its history): its partition and position there. */
export const roomTimelineAttributes = (partition: string, sortKey: string): Record<string, string> => ({
  [TABLE.indexes.roomTimeline.partitionKey]: partition,
  [TABLE.indexes.roomTimeline.sortKey]: sortKey,
});

/** CreateTable parameters for local mode and tests (on-demand). */
export function createTableInput(tableName: string, without: readonly string[] = []): CreateTableCommandInput {
  const indexes = Object.values(TABLE.indexes).filter((index) => !without.includes(index.indexName));
  const keyNames = [TABLE.partitionKey, TABLE.sortKey, ...indexes.flatMap((i) => [i.partitionKey, i.sortKey])];
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [
      { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
    ],
    AttributeDefinitions: keyNames.map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
    GlobalSecondaryIndexes: indexes.map((i) => ({
      IndexName: i.indexName,
      KeySchema: [
        { AttributeName: i.partitionKey, KeyType: 'HASH' },
        { AttributeName: i.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: i.projection },
    })),
  };
}
