import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { createManagementApiGateway } from '../../../lambdas/adapters/connection-gateway';
import { chatClient, connectionIdsOf, createRoom, mintToken, rawClient, RawClient, waitFor } from '../../helpers/chat';
import { principalsFile } from '../../fixtures/principals';
import { useLocalStack } from '../../helpers/local-stack';

const { stack, client } = useLocalStack(() => ({
  IVSCHAT_PRINCIPALS_FILE: principalsFile([
    { accessKeyId: 'test', secretAccessKey: 'test', allow: ['ivschat:*', 'execute-api:ManageConnections'] },
    { accessKeyId: 'chat-only', secretAccessKey: 'chat-only-secret', allow: ['ivschat:*'] },
  ]),
}));
let connections: ApiGatewayManagementApiClient;
let room: { arn: string; id: string };
beforeAll(async () => {
  connections = managementClient({ accessKeyId: 'test', secretAccessKey: 'test' });
  room = await createRoom(client);
});
afterAll(() => connections.destroy());

const managementClient = (credentials: { accessKeyId: string; secretAccessKey: string }) =>
  new ApiGatewayManagementApiClient({ endpoint: stack.connectionsEndpoint, region: 'us-east-1', credentials, maxAttempts: 1 });

/** A raw client of `userId` and its connection id, which only the server side knows (read from the table). */
async function connected(userId: string): Promise<{ raw: RawClient; id: string }> {
  const raw = await rawClient(stack.wsUrl, (await mintToken(client, room.arn, { userId })).token!);
  const [id] = await waitFor(`${userId}'s record`, async () => {
    const ids = await connectionIdsOf(stack.dynamodbEndpoint, room.id, userId);
    return ids.length === 1 ? ids : undefined;
  });
  return { raw, id: id! };
}

const UNKNOWN_ID = 'AAAAAAAAAAAAAAAA';

test('PostToConnection delivers the bytes as one text frame to that connection only', async () => {
  const target = await connected('post-target');
  const other = await connected('post-other');
  await connections.send(new PostToConnectionCommand({ ConnectionId: target.id, Data: Buffer.from('hello, raw bytes ✓') }));
  await connections.send(new PostToConnectionCommand({ ConnectionId: target.id, Data: new TextEncoder().encode('{"second":2}') }));
  await waitFor('two frames', () => target.raw.texts.length === 2);
  expect(target.raw.texts).toEqual(['hello, raw bytes ✓', '{"second":2}']);
  expect(other.raw.texts).toEqual([]);
});

test('a frame posted by a backend reaches the official client as an event', async () => {
  const chat = await chatClient({ wsUrl: stack.wsUrl, client, roomArn: room.arn, token: { userId: 'backend-fan' } });
  const [id] = await connectionIdsOf(stack.dynamodbEndpoint, room.id, 'backend-fan');
  const frame = {
    Type: 'EVENT',
    Id: 'BackendEvt01',
    RequestId: '',
    EventName: 'app:backend',
    Attributes: { k: 'v' },
    SendTime: new Date().toISOString(),
  };
  await connections.send(new PostToConnectionCommand({ ConnectionId: id, Data: Buffer.from(JSON.stringify(frame)) }));
  const event = await waitFor('the event', () => chat.events.find((e) => e.id === 'BackendEvt01'));
  expect(event).toMatchObject({ eventName: 'app:backend', attributes: { k: 'v' } });
});

test('GetConnection describes a live connection', async () => {
  const before = Date.now();
  const { raw, id } = await connected('described');
  const got = await connections.send(new GetConnectionCommand({ ConnectionId: id }));
  expect(got.ConnectedAt).toBeInstanceOf(Date);
  expect(got.ConnectedAt!.getTime()).toBeGreaterThanOrEqual(before - 1_000);
  expect(got.ConnectedAt!.getTime()).toBeLessThanOrEqual(Date.now());
  expect(got.LastActiveAt!.getTime()).toBeGreaterThanOrEqual(got.ConnectedAt!.getTime());
  expect(got.Identity?.SourceIp).toBe('127.0.0.1');
  expect(typeof got.Identity?.UserAgent).toBe('string');
  // Activity moves LastActiveAt.
  await new Promise((r) => setTimeout(r, 20));
  raw.send({ Action: 'NOPE', RequestId: 'activity' });
  await raw.next((f) => f.RequestId === 'activity');
  const later = await connections.send(new GetConnectionCommand({ ConnectionId: id }));
  expect(later.LastActiveAt!.getTime()).toBeGreaterThan(got.LastActiveAt!.getTime());
  expect(later.ConnectedAt!.getTime()).toBe(got.ConnectedAt!.getTime());
});

test('DeleteConnection closes the connection, its record goes, and the id is gone afterwards', async () => {
  const { raw, id } = await connected('deleted');
  const bystander = await connected('not-deleted');
  const out = await connections.send(new DeleteConnectionCommand({ ConnectionId: id }));
  expect(out.$metadata.httpStatusCode).toBe(204);
  expect((await raw.closed).code).toBe(1000);
  await waitFor('the record to go', async () => (await connectionIdsOf(stack.dynamodbEndpoint, room.id, 'deleted')).length === 0);
  for (const command of [
    new GetConnectionCommand({ ConnectionId: id }),
    new PostToConnectionCommand({ ConnectionId: id, Data: Buffer.from('x') }),
    new DeleteConnectionCommand({ ConnectionId: id }),
  ]) {
    await expect(connections.send(command as never)).rejects.toBeInstanceOf(GoneException);
  }
  expect(bystander.raw.socket.readyState).toBe(bystander.raw.socket.OPEN);
});

test('DeleteConnection of an official client ends it with serverDisconnect, no reconnect', async () => {
  const chat = await chatClient({ wsUrl: stack.wsUrl, client, roomArn: room.arn, token: { userId: 'deleted-chat' } });
  const [id] = await connectionIdsOf(stack.dynamodbEndpoint, room.id, 'deleted-chat');
  await connections.send(new DeleteConnectionCommand({ ConnectionId: id }));
  await expect(chat.disconnected).resolves.toBe('serverDisconnect');
  expect(chat.tokenCalls).toBe(1);
});

test('an unknown connection id is a 410 GoneException for every method', async () => {
  for (const command of [
    new PostToConnectionCommand({ ConnectionId: UNKNOWN_ID, Data: Buffer.from('x') }),
    new GetConnectionCommand({ ConnectionId: UNKNOWN_ID }),
    new DeleteConnectionCommand({ ConnectionId: UNKNOWN_ID }),
  ]) {
    const err = await connections.send(command as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GoneException);
    expect((err as GoneException).$metadata.httpStatusCode).toBe(410);
  }
});

test('unsigned, wrongly signed and unauthorised requests are refused with 403', async () => {
  const { raw, id } = await connected('protected');
  const unsigned = await fetch(`${stack.connectionsEndpoint}/@connections/${encodeURIComponent(id)}`, { method: 'POST', body: 'sneaky' });
  expect(unsigned.status).toBe(403);
  const unsignedGet = await fetch(`${stack.connectionsEndpoint}/@connections/${encodeURIComponent(id)}`);
  expect(unsignedGet.status).toBe(403);

  const wrongSecret = managementClient({ accessKeyId: 'test', secretAccessKey: 'not-the-secret' });
  const unauthorised = managementClient({ accessKeyId: 'chat-only', secretAccessKey: 'chat-only-secret' });
  try {
    for (const c of [wrongSecret, unauthorised]) {
      const err = await c.send(new PostToConnectionCommand({ ConnectionId: id, Data: Buffer.from('sneaky') })).catch((e: unknown) => e);
      expect((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(403);
      const del = await c.send(new DeleteConnectionCommand({ ConnectionId: id })).catch((e: unknown) => e);
      expect((del as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(403);
    }
  } finally {
    wrongSecret.destroy();
    unauthorised.destroy();
  }
  // Nothing got through, and the connection is still there.
  await connections.send(new PostToConnectionCommand({ ConnectionId: id, Data: Buffer.from('legit') }));
  await waitFor('the legit frame', () => raw.texts.length === 1);
  expect(raw.texts).toEqual(['legit']);
});

describe('the AWS adapter of the connection gateway, against the local @connections API', () => {
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
  beforeAll(() => {
    process.env.AWS_ACCESS_KEY_ID = 'test';
    process.env.AWS_SECRET_ACCESS_KEY = 'test';
  });
  afterAll(() => {
    for (const [name, value] of [
      ['AWS_ACCESS_KEY_ID', saved.id],
      ['AWS_SECRET_ACCESS_KEY', saved.secret],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  test('post delivers (true) or reports gone (false); disconnect closes and ignores gone ids', async () => {
    const gateway = createManagementApiGateway({ endpoint: stack.connectionsEndpoint, region: 'us-east-1' });
    const { raw, id } = await connected('adapter');
    await expect(gateway.post(id, '{"via":"adapter"}')).resolves.toBe(true);
    await waitFor('the posted frame', () => raw.texts.includes('{"via":"adapter"}'));
    await expect(gateway.post(UNKNOWN_ID, 'x')).resolves.toBe(false);
    await gateway.disconnect(id);
    expect((await raw.closed).code).toBe(1000);
    await waitFor('the id to be gone', async () => (await gateway.post(id, 'late')) === false);
    await expect(gateway.disconnect(id)).resolves.toBeUndefined();
    await expect(gateway.disconnect(UNKNOWN_ID)).resolves.toBeUndefined();
  });
});
