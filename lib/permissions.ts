import type { IndexName } from '../lambdas/data/table';

/** The DynamoDB actions a function performs on the table itself, and the indexes it queries. */
export interface TableAccess {
  table: readonly string[];
  indexes: readonly IndexName[];
}

/** What a handler module needs beyond the table. */
export interface FunctionNeeds extends TableAccess {
  /** Posts to or closes WebSocket connections (execute-api:ManageConnections on the stage). */
  connections?: boolean;
  /** Mints or opens chat tokens (reads the token-key secret). */
  tokenKeys?: boolean;
  /** Invokes rooms' message review handlers (lambda:InvokeFunction). */
  reviewHandlers?: boolean;
  /** Writes rooms' chat logs to their S3, CloudWatch Logs and Firehose destinations. */
  chatLogs?: boolean;
  /**
   * The shard queue: 'send' for a function that broadcasts (a big room's shards go to the queue),
   * 'consume' for the shard worker (its event source mapping receives and deletes).
   */
  shardQueue?: 'send' | 'consume';
}

const GET = 'dynamodb:GetItem';
const PUT = 'dynamodb:PutItem';
const UPDATE = 'dynamodb:UpdateItem';
const DELETE = 'dynamodb:DeleteItem';
/** On the table itself (not an index): a logging configuration's room references share its partition. */
const QUERY = 'dynamodb:Query';

/**
 * Least privilege, handler by handler: each entry lists what the code behind that handler does
 * (lambdas/data/* is the only place that talks to DynamoDB). test/integration/handlers/permissions.test.ts
 * runs every handler against dynalite, records the commands it sends and requires exactly these.
 * A fan-out removes the records of connections that are gone, hence DeleteItem next to posting.
 */
export const NEEDS: Record<string, FunctionNeeds> = {
  // rooms: put + quota counter update; logging configurations are checked with GetItem, and a room
  // writes (and on failure removes) its references to them (lambdas/core/rooms.ts).
  'control-plane/create-room': { table: [GET, PUT, UPDATE, DELETE], indexes: [] },
  'control-plane/get-room': { table: [GET], indexes: [] },
  'control-plane/update-room': { table: [GET, PUT, UPDATE, DELETE], indexes: [] },
  // The room, its quota count, its connections closed; its bans (in their own partition) removed.
  'control-plane/delete-room': { table: [DELETE, UPDATE, QUERY], indexes: ['connectionsByRoom'], connections: true },
  'control-plane/list-rooms': { table: [], indexes: ['roomsByUpdateTime', 'roomsByName'] },
  'control-plane/tag-resource': { table: [GET, UPDATE], indexes: [] },
  'control-plane/untag-resource': { table: [GET, UPDATE], indexes: [] },
  'control-plane/list-tags-for-resource': { table: [GET], indexes: [] },
  'control-plane/create-chat-token': { table: [GET], indexes: [], tokenKeys: true },
  // Broadcasters: the fan-out (a big room's shards to the shard queue), then the room's chat log;
  // SendEvent keeps its event in the history (PutItem), DeleteMessage removes the message from it (DeleteItem).
  'control-plane/send-event': {
    table: [GET, PUT, DELETE],
    indexes: ['connectionsByRoom'],
    connections: true,
    chatLogs: true,
    shardQueue: 'send',
  },
  'control-plane/delete-message': {
    table: [GET, DELETE],
    indexes: ['connectionsByRoom'],
    connections: true,
    chatLogs: true,
    shardQueue: 'send',
  },
  // The disconnection note (PutItem) $connect looks for, then the broadcast and the closes.
  'control-plane/disconnect-user': {
    table: [GET, PUT, DELETE],
    indexes: ['connectionsByRoom'],
    connections: true,
    chatLogs: true,
    shardQueue: 'send',
  },
  'control-plane/create-logging-configuration': { table: [PUT, UPDATE], indexes: [] },
  'control-plane/get-logging-configuration': { table: [GET], indexes: [] },
  'control-plane/update-logging-configuration': { table: [GET, UPDATE], indexes: [] },
  // The room references in the configuration's partition, each room read and its revision moved on.
  'control-plane/delete-logging-configuration': { table: [GET, UPDATE, DELETE, QUERY], indexes: [] },
  'control-plane/list-logging-configurations': { table: [], indexes: ['loggingConfigurationsByCreateTime'] },
  // Extensions (docs/extensions.md). Each reads the room first (ResourceNotFound).
  'control-plane/list-messages': { table: [GET], indexes: ['roomTimeline'] },
  'control-plane/get-room-presence': { table: [GET], indexes: ['connectionsByRoom'] },
  // The ban, then DisconnectUser's broadcast and closes.
  'control-plane/ban-user': {
    table: [GET, PUT, DELETE],
    indexes: ['connectionsByRoom'],
    connections: true,
    chatLogs: true,
    shardQueue: 'send',
  },
  'control-plane/unban-user': { table: [GET, DELETE], indexes: [] },
  'control-plane/list-bans': { table: [GET], indexes: ['roomTimeline'] },
  // $connect: the room, the user's ban, the used-token claim, the connection record (removed again
  // if the room vanished, the user was banned or disconnected meanwhile: the ban and note are GetItems).
  'messaging/connect': { table: [GET, PUT, DELETE], indexes: [], tokenKeys: true },
  'messaging/disconnect': { table: [DELETE], indexes: [] },
  // $default: the sender's record, the room, the rate counter, the review handler, the fan-out, the
  // chat log, the history (PutItem; DELETE_MESSAGE removes from it).
  'messaging/default': {
    table: [GET, PUT, UPDATE, DELETE],
    indexes: ['connectionsByRoom'],
    connections: true,
    reviewHandlers: true,
    chatLogs: true,
    shardQueue: 'send',
  },
  // The shard worker: a big room's shard delivered; the records of its gone connections removed.
  'messaging/deliver-shard': { table: [DELETE], indexes: [], connections: true, shardQueue: 'consume' },
  'messaging/end-expired-sessions': { table: [DELETE], indexes: ['connectionsByExpiry'], connections: true },
};

/** The needs of a handler module; a module missing here is a build error, not a silent `*`. */
export function needsOf(module: string): FunctionNeeds {
  const needs = NEEDS[module];
  if (!needs) {
    throw new Error(
      `lib/permissions.ts has no entry for ${module}: add the DynamoDB actions, indexes and other access its handler uses to NEEDS`,
    );
  }
  return needs;
}
