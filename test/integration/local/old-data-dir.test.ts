import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTableInput } from '../../../lambdas/data/table';
import { startDynalite } from '../../../lib/local/dynalite';
import { createRoom, mintToken, rawClient, waitFor } from '../../helpers/chat';
import { ivschat, startLocal } from '../../helpers/local-stack';

test('a data dir whose table predates an index: npm start says which one is missing, and the rest works', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ivschat-old-'));
  // The table as a version without the RoomTimeline index made it.
  const db = await startDynalite(dataDir);
  const client = new DynamoDBClient({
    endpoint: db.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  const input = createTableInput('ivschat');
  await client.send(
    new CreateTableCommand({
      ...input,
      GlobalSecondaryIndexes: input.GlobalSecondaryIndexes?.filter((i) => i.IndexName !== 'RoomTimeline'),
    }),
  );
  // dynalite finishes a CreateTable on a timer of the process that asked: it must be ACTIVE before this one goes.
  await waitFor(
    'the old table to be ACTIVE',
    async () => (await client.send(new DescribeTableCommand({ TableName: 'ivschat' }))).Table?.TableStatus === 'ACTIVE',
    10_000,
  );
  client.destroy();
  await db.close();

  const stack = await startLocal({ IVSCHAT_DATA_DIR: dataDir });
  try {
    expect(stack.output()).toMatch(/lacks indexes.*"missingIndexes":\["RoomTimeline"\]/);
    const sdk = ivschat(stack.apiUrl);
    const room = await createRoom(sdk, { name: 'still-works' });
    expect(room).toMatchObject({ id: expect.any(String) });
    // Tokens and connections do not need the missing index (the bans they check are read without it).
    const { token } = await mintToken(sdk, room.arn as string, { userId: 'viewer', capabilities: ['SEND_MESSAGE'] });
    const client = await rawClient(stack.wsUrl, token as string);
    client.socket.close();
    await client.closed;
    sdk.destroy();
  } finally {
    await stack.stop();
  }
});

test('a new table has every index but the session-expiry one, which local mode answers from memory', async () => {
  const stack = await startLocal({});
  const client = new DynamoDBClient({
    endpoint: stack.dynamodbEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: 'ivschat' }));
    const expected = createTableInput('ivschat')
      .GlobalSecondaryIndexes?.map((i) => i.IndexName)
      .filter((name) => name !== 'ConnectionsByExpiry');
    expect(Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName).sort()).toEqual(expected?.sort());
    expect(stack.output()).not.toMatch(/lacks indexes/);
  } finally {
    client.destroy();
    await stack.stop();
  }
});
