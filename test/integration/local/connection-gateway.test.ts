import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { CreateChatTokenCommand, CreateRoomCommand } from '@aws-sdk/client-ivschat';
import WebSocket from 'ws';
import { createManagementApiGateway } from '../../../lambdas/shared/connection-gateway';
import { LocalProcess, ivschat, startLocal } from '../../helpers/local-stack';

/**
 * The AWS adapter of the connection-gateway port (PostToConnection / DeleteConnection through the
 * SDK), exercised against the local gateway's @connections API, which answers as API Gateway does.
 */
let stack: LocalProcess;
beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  stack = await startLocal();
});
afterAll(async () => {
  await stack.stop();
});

async function openConnection(userId: string) {
  const client = ivschat(stack.apiUrl);
  const room = await client.send(new CreateRoomCommand({}));
  const { token } = await client.send(new CreateChatTokenCommand({ roomIdentifier: room.arn, userId }));
  const socket = new WebSocket(stack.wsUrl, token as string);
  const frames: string[] = [];
  socket.on('message', (data) => frames.push(data.toString()));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const db = new DynamoDBClient({ endpoint: stack.dynamodbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const { Items } = await db.send(
    new ScanCommand({ TableName: 'ivschat', FilterExpression: 'userId = :u AND begins_with(PK, :c)', ExpressionAttributeValues: { ':u': { S: userId }, ':c': { S: 'CONN#' } } }),
  );
  const connectionId = Items?.[0]?.connectionId?.S as string;
  return { socket, frames, connectionId };
}

test('posts reach the socket, an unknown id is gone, and disconnect closes the socket', async () => {
  const gateway = createManagementApiGateway({ endpoint: stack.connectionsEndpoint, region: 'us-east-1' });
  const { socket, frames, connectionId } = await openConnection('adapter-user');
  expect(connectionId).toMatch(/^[A-Za-z0-9_-]+$/);

  expect(await gateway.post(connectionId, '{"Type":"EVENT","Id":"abcdEFGH1234"}')).toBe(true);
  await new Promise((r) => setTimeout(r, 100));
  expect(frames).toEqual(['{"Type":"EVENT","Id":"abcdEFGH1234"}']);

  expect(await gateway.post('doesNotExist1', 'x')).toBe(false);

  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  await gateway.disconnect(connectionId);
  expect(await closed).toBe(1000);
  expect(await gateway.post(connectionId, 'late')).toBe(false);
  await expect(gateway.disconnect(connectionId)).resolves.toBeUndefined();
});
