import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand, PutCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { CreateLoggingConfigurationCommand, CreateRoomCommand, ListRoomsCommand } from '@aws-sdk/client-ivschat';
import { closeAllClients, connectionRecords, createRoom, mintToken, rawClient, tableClient } from '../../helpers/chat';
import { LocalProcess, ivschat, startLocal } from '../../helpers/local-stack';

const dataDir = mkdtempSync(join(tmpdir(), 'ivschat-reconcile-'));
const env = { IVSCHAT_DATA_DIR: dataDir, IVSCHAT_MAX_ROOMS: '3' };
const stacks: LocalProcess[] = [];
afterAll(async () => {
  await closeAllClients();
  await Promise.all(stacks.map((s) => s.stop('SIGKILL')));
});

const items = async (endpoint: string, prefix: string) => {
  const db = tableClient(endpoint);
  try {
    const page = await db.send(
      new ScanCommand({ TableName: 'ivschat', FilterExpression: 'begins_with(PK, :p)', ExpressionAttributeValues: { ':p': prefix } }),
    );
    return page.Items ?? [];
  } finally {
    db.destroy();
  }
};

test('after a SIGKILL, the next start removes the dead process’s connections and expired items and sets the quota counter right', async () => {
  const first = await startLocal(env);
  stacks.push(first);
  const client = ivschat(first.apiUrl);
  const rooms = [await createRoom(client), await createRoom(client)];
  await client.send(new CreateLoggingConfigurationCommand({ destinationConfiguration: { s3: { bucketName: 'logs' } } }));
  const sockets = [];
  for (const userId of ['a', 'b', 'c']) {
    const { token } = await mintToken(client, rooms[0]!.arn, { userId, capabilities: ['SEND_MESSAGE'] });
    sockets.push(await rawClient(first.wsUrl, token!));
  }
  sockets[0]!.send({ Action: 'SEND_MESSAGE', RequestId: 'r1', Content: 'hello' });
  await sockets[0]!.next((f) => f.Type === 'MESSAGE');
  expect(await connectionRecords(first.dynamodbEndpoint)).toHaveLength(3);
  expect(await items(first.dynamodbEndpoint, 'RATE#')).toHaveLength(1);
  expect(await items(first.dynamodbEndpoint, 'TOKEN#')).toHaveLength(3);

  // What a crash between a quota reservation and its create leaves (data/quotas.ts), twice over, and
  // items that expired while no server ran.
  const db = tableClient(first.dynamodbEndpoint);
  const past = Math.floor(Date.now() / 1000) - 120;
  for (const quota of ['QUOTA#rooms', 'QUOTA#logging-configurations']) {
    await db.send(
      new UpdateCommand({
        TableName: 'ivschat',
        Key: { PK: quota, SK: 'QUOTA' },
        UpdateExpression: 'ADD used :two',
        ExpressionAttributeValues: { ':two': 2 },
      }),
    );
  }
  await db.send(
    new PutCommand({ TableName: 'ivschat', Item: { PK: `RATE#${rooms[1]!.id}`, SK: String(past - 60), used: 1, expiresAt: past } }),
  );
  await db.send(new PutCommand({ TableName: 'ivschat', Item: { PK: 'TOKEN#expired', SK: 'TOKEN', expiresAt: past } }));
  db.destroy();
  client.destroy();
  expect(await first.stop('SIGKILL')).toBeNull();
  await closeAllClients();

  const second = await startLocal(env);
  stacks.push(second);
  expect(second.output()).toMatch(/removed what an earlier process left/);
  expect(await connectionRecords(second.dynamodbEndpoint)).toEqual([]);
  // The expired items are gone; the first process's live ones stay until their own expiry.
  expect((await items(second.dynamodbEndpoint, 'RATE#')).map((i) => i.PK)).toEqual([`RATE#${rooms[0]!.id}`]);
  expect((await items(second.dynamodbEndpoint, 'TOKEN#')).map((i) => i.PK)).not.toContain('TOKEN#expired');
  expect(await items(second.dynamodbEndpoint, 'TOKEN#')).toHaveLength(3);

  const check = tableClient(second.dynamodbEndpoint);
  const used = async (quota: string) =>
    (await check.send(new GetCommand({ TableName: 'ivschat', Key: { PK: quota, SK: 'QUOTA' } }))).Item?.used;
  expect(await used('QUOTA#rooms')).toBe(2);
  expect(await used('QUOTA#logging-configurations')).toBe(1);
  check.destroy();
  // With the counter at 4 of 3, this CreateRoom would have been refused.
  const again = ivschat(second.apiUrl);
  await again.send(new CreateRoomCommand({}));
  await expect(again.send(new CreateRoomCommand({}))).rejects.toMatchObject({ name: 'ServiceQuotaExceededException' });
  expect((await again.send(new ListRoomsCommand({}))).rooms).toHaveLength(3);
  again.destroy();
}, 60_000);
