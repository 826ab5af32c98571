import { ConditionalCheckFailedException, DynamoDBServiceException, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { DOCUMENT_TRANSLATION } from '../../../lambdas/adapters/dynamodb';
import { RunningDynalite, ensureTable, startDynalite } from '../../../lib/local/dynalite';
import { InProcessDocumentClient, WrittenKeys } from '../../../lib/local/in-process-dynamodb';
import { createBanStore } from '../../../lambdas/data/bans';
import { createDisconnectionStore } from '../../../lambdas/data/disconnections';
import { createTableWatch, withBansInMemory, withDisconnectionsInMemory, withRatesInMemory } from '../../../lib/local/table-cache';
import { tableClient } from '../../helpers/chat';

const TableName = 'in-process';
let db: RunningDynalite;
let http: DynamoDBDocumentClient;
let local: InProcessDocumentClient;
const writes: WrittenKeys[] = [];
const external: number[] = [];

beforeAll(async () => {
  db = await startDynalite(undefined);
  await ensureTable(db.endpoint, 'us-east-1', TableName);
  http = tableClient(db.endpoint);
  local = new InProcessDocumentClient(db.engine, 'us-east-1', DOCUMENT_TRANSLATION, (keys) => writes.push(keys));
  db.onExternalWrite(() => external.push(Date.now()));
});
afterAll(async () => {
  http.destroy();
  local.destroy();
  await db.close();
});

/** Both clients, the same command: the in-process answer must be the HTTP one. */
const both = async (command: () => GetCommand | QueryCommand | ScanCommand) => {
  const [viaHttp, inProcess] = await Promise.all([http.send(command() as never), local.send(command() as never)]);
  const { $metadata: _a, ...a } = viaHttp as Record<string, unknown>;
  const { $metadata: _b, ...b } = inProcess as Record<string, unknown>;
  expect(b).toEqual(a);
  return b;
};

test('reads and writes answer as over HTTP, nested maps, lists, sets, numbers and binary included', async () => {
  const item = {
    PK: 'P#1',
    SK: 'S',
    n: 42,
    big: 12.5,
    flag: true,
    none: null,
    tags: { constructor: 'x', 'a b': 'c' },
    list: [1, 'two', { three: 3 }],
    names: new Set(['a', 'b']),
    bytes: new Uint8Array([0, 1, 254, 255]),
    gone: undefined,
  };
  await local.send(new PutCommand({ TableName, Item: item }));
  const got = await both(() => new GetCommand({ TableName, Key: { PK: 'P#1', SK: 'S' }, ConsistentRead: true }));
  expect(got.Item).toEqual({ ...Object.fromEntries(Object.entries(item).filter(([k]) => k !== 'gone')), bytes: expect.any(Uint8Array) });
  expect([...(got.Item as { bytes: Uint8Array }).bytes]).toEqual([0, 1, 254, 255]);
  const updated = await local.send(
    new UpdateCommand({
      TableName,
      Key: { PK: 'P#1', SK: 'S' },
      UpdateExpression: 'ADD n :one SET #t.#k = :v',
      ExpressionAttributeNames: { '#t': 'tags', '#k': 'new' },
      ExpressionAttributeValues: { ':one': 1, ':v': 'w' },
      ReturnValues: 'ALL_NEW',
    }),
  );
  expect(updated.Attributes).toMatchObject({ n: 43, tags: { constructor: 'x', 'a b': 'c', new: 'w' } });
  await local.send(
    new BatchWriteCommand({
      RequestItems: {
        [TableName]: [1, 2, 3].map((i) => ({ PutRequest: { Item: { PK: 'Q', SK: `S#${i}`, GSI1PK: 'G', GSI1SK: `${i}` } } })),
      },
    }),
  );
  await both(() => new QueryCommand({ TableName, KeyConditionExpression: 'PK = :p', ExpressionAttributeValues: { ':p': 'Q' }, Limit: 2 }));
  await both(() => new ScanCommand({ TableName, FilterExpression: 'begins_with(PK, :p)', ExpressionAttributeValues: { ':p': 'Q' } }));
  const deleted = await local.send(new DeleteCommand({ TableName, Key: { PK: 'Q', SK: 'S#1' }, ReturnValues: 'ALL_OLD' }));
  expect(deleted.Attributes).toMatchObject({ PK: 'Q', SK: 'S#1' });
});

test('errors are the SDK’s, as over HTTP: modelled classes, and named service exceptions', async () => {
  const failing = () => new PutCommand({ TableName, Item: { PK: 'C', SK: 'C' }, ConditionExpression: 'attribute_not_exists(PK)' });
  await local.send(failing());
  const [viaHttp, inProcess] = await Promise.all([
    http.send(failing()).catch((e: unknown) => e),
    local.send(failing()).catch((e: unknown) => e),
  ]);
  expect(inProcess).toBeInstanceOf(ConditionalCheckFailedException);
  expect(inProcess).toMatchObject({ name: 'ConditionalCheckFailedException', $fault: 'client', $metadata: { httpStatusCode: 400 } });
  expect((inProcess as Error).message).toBe((viaHttp as Error).message);

  const noTable = await local.send(new GetCommand({ TableName: 'nope', Key: { PK: 'a', SK: 'b' } })).catch((e: unknown) => e);
  expect(noTable).toBeInstanceOf(ResourceNotFoundException);
  const invalid = await local.send(new GetCommand({ TableName, Key: { PK: 'a' } })).catch((e: unknown) => e);
  expect(invalid).toBeInstanceOf(DynamoDBServiceException);
  expect(invalid).toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
});

test('every write is reported before and after; writes through the endpoint are reported as external', async () => {
  writes.length = 0;
  external.length = 0;
  await local.send(new PutCommand({ TableName, Item: { PK: 'W', SK: 'W', v: 1 } }));
  await local.send(new GetCommand({ TableName, Key: { PK: 'W', SK: 'W' } }));
  expect(writes).toEqual([[{ PK: 'W', SK: 'W', v: 1 }], [{ PK: 'W', SK: 'W', v: 1 }]]);
  await http.send(new GetCommand({ TableName, Key: { PK: 'W', SK: 'W' } }));
  expect(external).toEqual([]);
  await http.send(new DeleteCommand({ TableName, Key: { PK: 'W', SK: 'W' } }));
  expect(external).toHaveLength(2);
});

test('a cached read that overlapped a write of its key is not kept; other keys are', async () => {
  const watch = createTableWatch();
  const cache = watch.cache<number>(2);
  let loads = 0;
  const slow = (value: number) => async () => {
    loads++;
    await new Promise((r) => setTimeout(r, 20));
    return value;
  };
  const reading = cache.read({ PK: 'a', SK: 'a' }, slow(1));
  watch.written([{ PK: 'a', SK: 'a' }]);
  expect(await reading).toBe(1);
  expect(await cache.read({ PK: 'a', SK: 'a' }, slow(2))).toBe(2);
  expect(await cache.read({ PK: 'a', SK: 'a' }, slow(3))).toBe(2);
  expect(loads).toBe(2);
  watch.written('all');
  expect(await cache.read({ PK: 'a', SK: 'a' }, slow(4))).toBe(4);
  // Bounded: a third key pushes the oldest out.
  await cache.read({ PK: 'b', SK: 'b' }, slow(5));
  await cache.read({ PK: 'c', SK: 'c' }, slow(6));
  expect(cache.size).toBe(2);
  expect(await cache.read({ PK: 'a', SK: 'a' }, slow(7))).toBe(7);
});

test('a partition cache is dropped by a write of any item of its partition, only of it', async () => {
  const watch = createTableWatch();
  const cache = watch.cache<number>(10, 'partition');
  let next = 0;
  const load = async () => ++next;
  expect(await cache.read({ PK: 'p' }, load)).toBe(1);
  watch.written([{ PK: 'other', SK: 'x' }]);
  expect(await cache.read({ PK: 'p' }, load)).toBe(1);
  watch.written([{ PK: 'p', SK: 'any item' }]);
  expect(await cache.read({ PK: 'p' }, load)).toBe(2);
});

test("bans and DisconnectUser notes kept per room in memory follow the table's writes", async () => {
  const watch = createTableWatch();
  const doc = new InProcessDocumentClient(db.engine, 'us-east-1', DOCUMENT_TRANSLATION, watch.written);
  const raw = createBanStore({ doc, tableName: TableName });
  let reads = 0;
  const bans = withBansInMemory({ ...raw, inRoom: (roomId, atMost) => (reads++, raw.inRoom(roomId, atMost)) }, watch);
  const now = Date.parse('2026-01-01T00:00:00.000Z');
  expect(await bans.active('room-b', 'u1', now)).toBeUndefined();
  expect(await bans.active('room-b', 'u2', now)).toBeUndefined();
  expect(reads).toBe(1);
  await bans.put('room-b', { userId: 'u1', createTime: '2026-01-01T00:00:00.000Z', expirationTime: '2026-01-01T00:01:00.000Z' });
  expect((await bans.active('room-b', 'u1', now))?.userId).toBe('u1');
  // An ended ban, not yet swept, is compared with the time of the check.
  expect(await bans.active('room-b', 'u1', now + 60_000)).toBeUndefined();
  await bans.remove('room-b', 'u1');
  expect(await bans.active('room-b', 'u1', now)).toBeUndefined();
  expect(reads).toBe(3);

  const notes = withDisconnectionsInMemory(createDisconnectionStore({ doc, tableName: TableName }), watch);
  expect(await notes.last('room-b', 'u1')).toBeUndefined();
  await notes.note('room-b', 'u1', { id: 'n1', at: now });
  expect(await notes.last('room-b', 'u1')).toBe('n1');
  expect(await notes.last('room-b', 'u2')).toBeUndefined();
  await notes.note('room-b', 'u1', { id: 'n2', at: now });
  expect(await notes.last('room-b', 'u1')).toBe('n2');
  doc.destroy();
});

test('a conditional write whose expression is remembered still checks its condition, and a bad one is still refused', async () => {
  const put = (v: number) =>
    local.send(new PutCommand({ TableName, Item: { PK: 'once', SK: 'once', v }, ConditionExpression: 'attribute_not_exists(PK)' }));
  await put(1);
  await expect(put(2)).rejects.toBeInstanceOf(ConditionalCheckFailedException);
  await expect(put(3)).rejects.toBeInstanceOf(ConditionalCheckFailedException);
  const bad = () => local.send(new PutCommand({ TableName, Item: { PK: 'x', SK: 'x' }, ConditionExpression: 'attribute_not_exists(' }));
  await expect(bad()).rejects.toThrow(/Invalid ConditionExpression/);
  await expect(bad()).rejects.toThrow(/Invalid ConditionExpression/);
  await local.send(new DeleteCommand({ TableName, Key: { PK: 'once', SK: 'once' } }));
});

test('the in-memory rate window allows the limit per second, asking the table once per second', async () => {
  const asked: number[] = [];
  const rates = withRatesInMemory({ take: async (_room, _limit, now) => (asked.push(now), true) });
  const second = 1_000_000;
  const takes = await Promise.all(Array.from({ length: 5 }, (_, i) => rates.take('r', 3, second + i)));
  expect(takes).toEqual([true, true, true, false, false]);
  expect(await rates.take('r', 3, second + 1000)).toBe(true);
  expect(asked).toEqual([second, second + 1000]);
  // The table refusing the first take (an earlier process used the second up) closes the window.
  const full = withRatesInMemory({ take: async () => false });
  expect(await full.take('r', 3, second)).toBe(false);
  expect(await full.take('r', 3, second + 1)).toBe(false);
});
