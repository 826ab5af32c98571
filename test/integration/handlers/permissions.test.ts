import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { createDocumentClient } from '../../../lambdas/adapters/dynamodb';
import { createChatToken } from '../../../lambdas/core/chat-tokens';
import type { Deps } from '../../../lambdas/core/deps';
import { ShardMessage, serializeShard, shardGroupId } from '../../../lambdas/domain/shards';
import { createLoggingConfiguration } from '../../../lambdas/core/logging-configurations';
import { createRoom } from '../../../lambdas/core/rooms';
import type { Connection } from '../../../lambdas/data/connections';
import { IndexName, TABLE } from '../../../lambdas/data/table';
import { parseTokenKeySet } from '../../../lambdas/domain/chat-token';
import type { Room } from '../../../lambdas/domain/room';
import type { WsEvent } from '../../../lambdas/messaging/ws';
import { readConfig } from '../../../lambdas/shared/config';
import { buildDeps } from '../../../lambdas/wiring/deps';
import { RunningDynalite, ensureTable, startDynalite } from '../../../lib/local/dynalite';
import { loadOrCreateTokenKeys } from '../../../lib/local/token-keys';
import { NEEDS } from '../../../lib/permissions';
import { lambdaContext, restEvent, wsEvent } from '../../fixtures/events';
import { allowingReviewHandlers, memoryChatLogWriter, recordingGateway } from '../../fixtures/fakes';

/**
 * The handler tier against dynalite: each handler module runs through the one wiring (buildDeps)
 * over a DynamoDB client that records every command it sends, on its usual paths and its failure
 * paths, and what it sent must be exactly what lib/permissions.ts grants it on AWS: a grant missing
 * is a call that fails in production, a grant never used is privilege to take away.
 */

const TABLE_NAME = 'permissions-test';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

let db: RunningDynalite;
let seed: Deps;
const config = () =>
  readConfig({
    AWS_REGION: 'us-east-1',
    IVSCHAT_TABLE_NAME: TABLE_NAME,
    DYNAMODB_ENDPOINT: db.endpoint,
    IVSCHAT_TOKEN_KEYS: tokenKeys,
    IVSCHAT_MAX_LOGGING_CONFIGURATIONS: '100',
  });
const tokenKeys = loadOrCreateTokenKeys(undefined);
const keys = Promise.resolve(parseTokenKeySet(tokenKeys));

beforeAll(async () => {
  db = await startDynalite(undefined);
  await ensureTable(db.endpoint, 'us-east-1', TABLE_NAME);
  seed = buildDeps(config(), { doc: createDocumentClient(config(), { credentials }), ...fakes(), tokenKeys: () => keys });
});
afterAll(() => db.close());

function fakes(gone: string[] = [], dispatched: ShardMessage[] = []) {
  return {
    gateway: recordingGateway(gone).gateway,
    reviewHandlers: allowingReviewHandlers().reviewHandlers,
    chatLogWriter: memoryChatLogWriter().writer,
    // Every room of two or more is sharded, and the queue takes none of them: the fan-out delivers
    // them itself, so the DynamoDB commands are those of a direct fan-out, and `dispatched` says
    // which modules would send to the shard queue.
    fanOut: {
      shardThreshold: 1,
      dispatcher: {
        dispatch: async (shards: readonly ShardMessage[]) => {
          dispatched.push(...shards);
          return [...shards];
        },
      },
    },
  };
}

/** The IAM grant each recorded command needs: a table action, or a query of an index. */
type Grant = { table: string } | { index: IndexName };

/** A DynamoDB client that records the grant each command it sends needs. */
function recordingClient(): { doc: DynamoDBDocumentClient; grants: Grant[] } {
  const doc = createDocumentClient(config(), { credentials });
  const grants: Grant[] = [];
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      const action = /^(\w+?)(Item)?Command$/.exec(context.commandName ?? '')?.[1] ?? '?';
      const input = args.input as { IndexName?: string };
      const index = Object.entries(TABLE.indexes).find(([, i]) => i.indexName === input.IndexName)?.[0] as IndexName | undefined;
      grants.push(index ? { index } : { table: `dynamodb:${action === 'Query' || action === 'Scan' ? action : `${action}Item`}` });
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
  return { doc, grants };
}

type Recorder = { deps: Deps; grants: Grant[]; dispatched: ShardMessage[] };

/** The wiring as production builds it, with the recording client and fakes for what is not DynamoDB. */
function recorder(gone: string[] = []): Recorder {
  const { doc, grants } = recordingClient();
  const dispatched: ShardMessage[] = [];
  return { deps: buildDeps(config(), { doc, ...fakes(gone, dispatched), tokenKeys: () => keys }), grants, dispatched };
}

type Module = { makeHandler: (deps: Deps) => (...args: never[]) => Promise<unknown> };
const load = async (module: string) => (await import(`../../../lambdas/${module}`)) as Module;

async function rest(r: Recorder, module: string, body: unknown, event: Parameters<typeof restEvent>[0] = {}) {
  const handler = (await load(`control-plane/${module}`)).makeHandler(r.deps) as (e: unknown, c: unknown) => Promise<APIGatewayProxyResult>;
  const res = await handler(restEvent({ body: JSON.stringify(body), ...event }), lambdaContext);
  return { status: res.statusCode, body: res.body ? (JSON.parse(res.body) as Record<string, unknown>) : {} };
}

/** One call of a REST handler that must answer `status`; returns its recorder. */
async function call(
  r: Recorder,
  module: string,
  body: unknown,
  status: number,
  event: Parameters<typeof restEvent>[0] = {},
): Promise<Recorder> {
  expect((await rest(r, module, body, event)).status).toBe(status);
  return r;
}

async function ws(r: Recorder, module: string, event: WsEvent) {
  const handler = (await load(`messaging/${module}`)).makeHandler(r.deps) as (e: unknown, c: unknown) => Promise<APIGatewayProxyResult>;
  return (await handler(event, lambdaContext)).statusCode;
}

const newRoom = (input: Parameters<typeof createRoom>[1] = {}) => createRoom(seed, input);
const newConfiguration = () => createLoggingConfiguration(seed, { destinationConfiguration: { s3: { bucketName: 'logs' } } });

/** A connection record in `room`; `connectedAgoMs` old enough makes a "gone" answer remove it. */
async function connection(room: Room, id: string, options: { userId?: string; connectedAgoMs?: number; sessionEndsInMs?: number } = {}) {
  const now = Date.now();
  const record: Connection = {
    connectionId: id,
    roomId: room.id,
    roomArn: room.arn,
    userId: options.userId ?? 'viewer',
    capabilities: ['SEND_MESSAGE', 'DELETE_MESSAGE', 'DISCONNECT_USER'],
    attributes: {},
    sessionExpiresAt: now + (options.sessionEndsInMs ?? 3_600_000),
    connectedAt: now - (options.connectedAgoMs ?? 0),
  };
  await seed.connections.put(record);
  return record;
}

const unique = (label: string) => `${label}${Math.random().toString(36).slice(2, 10)}`;
const MISSING_CONFIGURATION = 'arn:aws:ivschat:us-east-1:000000000000:logging-configuration/zzzzzzzzzzzz';

/** Each handler module's usual and failure paths; each returns nothing, what matters is what it sent. */
const SCENARIOS: Record<string, (r: (gone?: string[]) => Recorder) => Promise<Recorder[]>> = {
  'control-plane/create-room': async (r) => {
    const configuration = await newConfiguration();
    const ok = await call(r(), 'create-room', { loggingConfigurationIdentifiers: [configuration.arn] }, 200);
    // A configuration that does not exist: the references written first are removed again.
    const refused = await call(r(), 'create-room', { loggingConfigurationIdentifiers: [MISSING_CONFIGURATION] }, 404);
    return [ok, refused];
  },
  'control-plane/get-room': async (r) => {
    const room = await newRoom();
    const got = await call(r(), 'get-room', { identifier: room.arn }, 200);
    return [got];
  },
  'control-plane/update-room': async (r) => {
    const [room, configuration] = [await newRoom(), await newConfiguration()];
    const attach = await call(r(), 'update-room', { identifier: room.arn, loggingConfigurationIdentifiers: [configuration.arn] }, 200);
    const detach = await call(r(), 'update-room', { identifier: room.arn, loggingConfigurationIdentifiers: [] }, 200);
    const rename = await call(r(), 'update-room', { identifier: room.arn, name: 'renamed' }, 200);
    return [attach, detach, rename];
  },
  'control-plane/delete-room': async (r) => {
    const configuration = await newConfiguration();
    const room = await newRoom({ loggingConfigurationIdentifiers: [configuration.arn] });
    await connection(room, unique('c'));
    await seed.bans.put(room.id, { userId: 'banned', createTime: new Date().toISOString() });
    const deleted = await call(r(), 'delete-room', { identifier: room.arn }, 204);
    return [deleted];
  },
  'control-plane/list-rooms': async (r) => {
    await newRoom({ name: 'listed' });
    const all = await call(r(), 'list-rooms', {}, 200);
    const named = await call(r(), 'list-rooms', { name: 'listed' }, 200);
    return [all, named];
  },
  'control-plane/tag-resource': async (r) => {
    const room = await newRoom();
    const tagged = await call(r(), 'tag-resource', { tags: { a: '1' } }, 200, {
      pathParameters: { resourceArn: encodeURIComponent(room.arn) },
    });
    return [tagged];
  },
  'control-plane/untag-resource': async (r) => {
    const room = await newRoom({ tags: { a: '1' } });
    const path = { pathParameters: { resourceArn: encodeURIComponent(room.arn) } };
    const untagged = await call(r(), 'untag-resource', {}, 200, { ...path, multiValueQueryStringParameters: { tagKeys: ['a'] } });
    const none = await call(r(), 'untag-resource', {}, 200, { ...path, multiValueQueryStringParameters: { tagKeys: [] } });
    return [untagged, none];
  },
  'control-plane/list-tags-for-resource': async (r) => {
    const room = await newRoom({ tags: { a: '1' } });
    const listed = await call(r(), 'list-tags-for-resource', {}, 200, { pathParameters: { resourceArn: encodeURIComponent(room.arn) } });
    return [listed];
  },
  'control-plane/create-chat-token': async (r) => {
    const room = await newRoom();
    const minted = await call(r(), 'create-chat-token', { roomIdentifier: room.arn, userId: 'u' }, 200);
    return [minted];
  },
  'control-plane/send-event': async (r) => {
    const { room, gone } = await loggedRoomWithStaleConnection();
    const sent = await call(r(gone), 'send-event', { roomIdentifier: room.arn, eventName: 'app:hello' }, 200);
    return [sent];
  },
  'control-plane/delete-message': async (r) => {
    const { room, gone } = await loggedRoomWithStaleConnection();
    const sent = await call(r(gone), 'delete-message', { roomIdentifier: room.arn, id: 'abcdEFGH1234' }, 200);
    return [sent];
  },
  'control-plane/disconnect-user': async (r) => {
    const { room, gone } = await loggedRoomWithStaleConnection();
    await connection(room, unique('kicked'), { userId: 'kicked' });
    const sent = await call(r(gone), 'disconnect-user', { roomIdentifier: room.arn, userId: 'kicked' }, 200);
    return [sent];
  },
  'control-plane/create-logging-configuration': async (r) => {
    const created = await call(r(), 'create-logging-configuration', { destinationConfiguration: { s3: { bucketName: 'chat-logs' } } }, 200);
    return [created];
  },
  'control-plane/get-logging-configuration': async (r) => {
    const configuration = await newConfiguration();
    const got = await call(r(), 'get-logging-configuration', { identifier: configuration.arn }, 200);
    return [got];
  },
  'control-plane/update-logging-configuration': async (r) => {
    const configuration = await newConfiguration();
    const updated = await call(r(), 'update-logging-configuration', { identifier: configuration.arn, name: 'renamed' }, 200);
    // The condition fails: the configuration is read to tell NotFound from Conflict.
    const missing = await call(r(), 'update-logging-configuration', { identifier: MISSING_CONFIGURATION, name: 'x' }, 404);
    return [updated, missing];
  },
  'control-plane/delete-logging-configuration': async (r) => {
    const used = await newConfiguration();
    await newRoom({ loggingConfigurationIdentifiers: [used.arn] });
    const refused = await call(r(), 'delete-logging-configuration', { identifier: used.arn }, 409);
    // A reference left by a room that no longer names the configuration: the room's revision moves on, the reference goes.
    const stale = await newConfiguration();
    const room = await newRoom();
    await seed.loggingReferences.add(room.id, [stale.id], 0, Date.now());
    const deleted = await call(r(), 'delete-logging-configuration', { identifier: stale.arn }, 204);
    return [refused, deleted];
  },
  'control-plane/list-logging-configurations': async (r) => {
    const listed = await call(r(), 'list-logging-configurations', {}, 200);
    return [listed];
  },
  'control-plane/list-messages': async (r) => {
    const { room } = await loggedRoomWithStaleConnection();
    await seed.history.keep(
      room.id,
      JSON.stringify({
        Type: 'MESSAGE',
        Id: 'abcdEFGH1234',
        Content: 'hi',
        Attributes: null,
        SendTime: new Date().toISOString(),
        Sender: { UserId: 'u', Attributes: {} },
      }),
    );
    const listed = await call(
      r(),
      'list-messages',
      { roomIdentifier: room.arn, includeEvents: true, startTime: '2020-01-01T00:00:00Z' },
      200,
    );
    return [listed];
  },
  'control-plane/get-room-presence': async (r) => {
    const room = await newRoom();
    await connection(room, unique('c'), { userId: 'present' });
    const listed = await call(r(), 'get-room-presence', { roomIdentifier: room.arn }, 200);
    return [listed];
  },
  'control-plane/ban-user': async (r) => {
    const { room, gone } = await loggedRoomWithStaleConnection();
    await connection(room, unique('banned'), { userId: 'banned' });
    const banned = await call(r(gone), 'ban-user', { roomIdentifier: room.arn, userId: 'banned', durationInMinutes: 5 }, 200);
    return [banned];
  },
  'control-plane/unban-user': async (r) => {
    const room = await newRoom();
    await seed.bans.put(room.id, { userId: 'banned', createTime: new Date().toISOString() });
    const unbanned = await call(r(), 'unban-user', { roomIdentifier: room.arn, userId: 'banned' }, 200);
    return [unbanned];
  },
  'control-plane/list-bans': async (r) => {
    const room = await newRoom();
    await seed.bans.put(room.id, { userId: 'banned', createTime: new Date().toISOString() });
    const listed = await call(r(), 'list-bans', { roomIdentifier: room.arn }, 200);
    return [listed];
  },
  'messaging/connect': async (r) => {
    const room = await newRoom();
    const connected = r();
    const token = (await createChatToken(seed, { roomIdentifier: room.arn, userId: 'u' })).token;
    expect(await ws(connected, 'connect', wsEvent('$connect', unique('c'), { headers: { 'Sec-WebSocket-Protocol': token } }))).toBe(200);
    // DeleteRoom lands between the room check and the record: the record is removed again.
    const racing = r();
    const doomed = await newRoom();
    const { get } = racing.deps.rooms;
    let deleting = true;
    racing.deps.rooms.get = async (id) => {
      const found = await get(id);
      if (deleting) {
        deleting = false;
        await seed.rooms.delete(id);
      }
      return found;
    };
    const late = (await createChatToken(seed, { roomIdentifier: doomed.arn, userId: 'u' })).token;
    expect(await ws(racing, 'connect', wsEvent('$connect', unique('c'), { headers: { 'Sec-WebSocket-Protocol': late } }))).toBe(404);
    return [connected, racing];
  },
  'messaging/disconnect': async (r) => {
    const room = await newRoom();
    const { connectionId } = await connection(room, unique('c'));
    const closed = r();
    expect(await ws(closed, 'disconnect', wsEvent('$disconnect', connectionId))).toBe(200);
    return [closed];
  },
  'messaging/default': async (r) => {
    const { room, gone } = await loggedRoomWithStaleConnection();
    const sender = await connection(room, unique('sender'));
    await connection(room, unique('kicked'), { userId: 'kicked' });
    const frames = [
      { Action: 'SEND_MESSAGE', Content: 'hello' },
      { Action: 'DELETE_MESSAGE', Id: 'abcdEFGH1234' },
      { Action: 'DISCONNECT_USER', UserId: 'kicked' },
    ];
    const sent: Recorder[] = [];
    for (const frame of frames) {
      const one = r(gone);
      expect(await ws(one, 'default', wsEvent('$default', sender.connectionId, { body: JSON.stringify(frame) }))).toBe(200);
      sent.push(one);
    }
    return sent;
  },
  'messaging/deliver-shard': async (r) => {
    const { room, gone } = await loggedRoomWithStaleConnection();
    const shard: ShardMessage = {
      roomId: room.id,
      shard: 0,
      shardCount: 2,
      frame: '{"Type":"EVENT"}',
      connectionIds: [...gone, unique('live')],
      connectedBefore: Date.now() - 30_000,
    };
    const worked = r(gone);
    const handler = (await load('messaging/deliver-shard')).makeHandler(worked.deps) as (e: unknown, c: unknown) => Promise<unknown>;
    const event = { Records: [{ messageId: 'm1', body: serializeShard(shard), attributes: { MessageGroupId: shardGroupId(shard) } }] };
    expect(await handler(event, lambdaContext)).toEqual({ batchItemFailures: [] });
    return [worked];
  },
  'messaging/end-expired-sessions': async (r) => {
    const room = await newRoom();
    await connection(room, unique('expired'), { sessionEndsInMs: -1_000 });
    const swept = r();
    const handler = (await load('messaging/end-expired-sessions')).makeHandler(swept.deps) as () => Promise<{ ended: number }>;
    expect((await handler()).ended).toBeGreaterThanOrEqual(1);
    return [swept];
  },
};

/** A room with a logging configuration (its fan-outs reach the chat log) and a connection that is gone. */
async function loggedRoomWithStaleConnection() {
  const configuration = await newConfiguration();
  const room = await newRoom({ loggingConfigurationIdentifiers: [configuration.arn] });
  const stale = await connection(room, unique('gone'), { connectedAgoMs: 120_000 });
  // Two connections at least: the fan-out shards it (see fakes()).
  await connection(room, unique('live'));
  return { room, gone: [stale.connectionId] };
}

const key = (grant: Grant) => ('index' in grant ? `index ${grant.index}` : grant.table);

test('every handler module has a scenario here and an entry in lib/permissions.ts', () => {
  expect(Object.keys(SCENARIOS).sort()).toEqual(Object.keys(NEEDS).sort());
});

test.each(Object.keys(NEEDS))('%s sends exactly the DynamoDB commands lib/permissions.ts grants it', async (module) => {
  const recorders = await (SCENARIOS[module] as (typeof SCENARIOS)[string])(recorder);
  const sent = [...new Set(recorders.flatMap((r) => r.grants.map(key)))].sort();
  const needs = NEEDS[module];
  const granted = [...(needs?.table ?? []), ...(needs?.indexes ?? []).map((index) => `index ${index}`)].sort();
  expect(sent).toEqual(granted);
  // Only the modules granted SendMessage on the shard queue ever hand it shards.
  expect(recorders.some((r) => r.dispatched.length > 0)).toBe(needs?.shardQueue === 'send');
});
