import { spawn } from 'node:child_process';
import { SendMessageRequest } from 'amazon-ivs-chat-messaging';
import type { ChatError } from 'amazon-ivs-chat-messaging';
import { DeleteMessageCommand, DisconnectUserCommand, SendEventCommand } from '@aws-sdk/client-ivschat';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  ALL_CAPABILITIES,
  chatClient,
  connectionIdsOf,
  connectionRecords,
  createRoom,
  mintToken,
  rawClient,
  RawClient,
  tableClient,
  TokenRequest,
  waitFor,
} from '../../helpers/chat';
import { useLocalStack } from '../../helpers/local-stack';

const SERVER_ID = /^[a-zA-Z0-9]{12}$/;

// One "minute" of sessionDurationInMinutes lasts one second here; the sweeper runs every second.
const { stack, client } = useLocalStack({ IVSCHAT_SESSION_MINUTE_MS: '1000' });

/** An official ChatRoom client in `roomArn`, on this file's stack. */
const join = (roomArn: string, token: TokenRequest) => chatClient({ wsUrl: stack.wsUrl, client, roomArn, token });

const raw = async (roomArn: string, request: TokenRequest): Promise<RawClient> =>
  rawClient(stack.wsUrl, (await mintToken(client, roomArn, request)).token!);

describe('session expiry', () => {
  test('a raw client gets ERROR 401 (no RequestId) at the end of its session, then a clean close', async () => {
    const room = await createRoom(client);
    const issuedAt = Date.now();
    const short = await raw(room.arn, { userId: 'short', sessionDurationInMinutes: 1 });
    const long = await raw(room.arn, { userId: 'long', sessionDurationInMinutes: 30 });
    const error = await short.next((f) => f.Type === 'ERROR', 0, 4_000);
    const endedAfter = Date.now() - issuedAt;
    expect(endedAfter).toBeGreaterThanOrEqual(950);
    expect(endedAfter).toBeLessThan(3_500);
    expect(error).toEqual({ Type: 'ERROR', Id: expect.stringMatching(SERVER_ID), ErrorCode: 401, ErrorMessage: expect.any(String) });
    expect(await short.closed).toEqual({ code: 1000, reason: '' });
    expect(short.frames).toHaveLength(1);
    await waitFor(
      'the ended session’s record to go',
      async () => (await connectionIdsOf(stack.dynamodbEndpoint, room.id, 'short')).length === 0,
    );
    // The other session goes on.
    expect(long.socket.readyState).toBe(long.socket.OPEN);
    expect(long.frames).toEqual([]);
    expect(await connectionIdsOf(stack.dynamodbEndpoint, room.id, 'long')).toHaveLength(1);
  });

  test('a ChatRoom whose session ends reconnects by itself with a new token and goes on chatting', async () => {
    const room = await createRoom(client);
    const reader = await join(room.arn, { userId: 'reader', sessionDurationInMinutes: 60 });
    let minted = 0;
    const chat = await chatClient({
      wsUrl: stack.wsUrl,
      client,
      roomArn: room.arn,
      token: { userId: 'renewer' },
      provider: async () => {
        minted += 1;
        // The first session lasts one (shortened) minute, the next ones long enough for the test.
        const out = await mintToken(client, room.arn, {
          userId: 'renewer',
          capabilities: ['SEND_MESSAGE'],
          sessionDurationInMinutes: minted === 1 ? 1 : 60,
        });
        // No tokenExpirationTime: the client would schedule a refresh 30 s out on every open and, after a
        // reconnect, lose the first timer (disconnect() clears only the last), keeping jest alive.
        return { token: out.token!, sessionExpirationTime: out.sessionExpirationTime };
      },
    });
    expect(chat.connects).toBe(1);
    await waitFor('a second connect', () => chat.connects === 2, 4_000);
    expect(chat.tokenCalls).toBe(2);
    expect(chat.disconnects).toEqual([]);
    expect(chat.room.state).toBe('connected');
    const sent = await chat.room.sendMessage(new SendMessageRequest('back again'));
    await waitFor('reader to get it', () => reader.messages.some((m) => m.id === sent.id));
    await waitFor(
      'one record for the renewed user',
      async () => (await connectionIdsOf(stack.dynamodbEndpoint, room.id, 'renewer')).length === 1,
    );
    expect(reader.connects).toBe(1);
  });

  /**
   * On AWS the sweeper runs once a minute, so a frame can arrive after the session ended and before
   * the sweeper closes it. Marking the record expired (its expiry index entry still says later, so
   * the sweeper leaves it alone) makes that window deterministic.
   */
  const expireRecord = async (roomId: string, userId: string) => {
    const [id] = await connectionIdsOf(stack.dynamodbEndpoint, roomId, userId);
    const db = tableClient(stack.dynamodbEndpoint);
    try {
      await db.send(
        new UpdateCommand({
          TableName: 'ivschat',
          Key: { PK: `CONN#${id}`, SK: 'CONN' },
          UpdateExpression: 'SET sessionExpiresAt = :past',
          ExpressionAttributeValues: { ':past': Date.now() - 1_000 },
        }),
      );
    } finally {
      db.destroy();
    }
  };

  test('a frame arriving after the session ended gets ERROR 401 with its RequestId, then a clean close; nothing is sent', async () => {
    const room = await createRoom(client);
    const late = await raw(room.arn, { userId: 'late', capabilities: ['SEND_MESSAGE'], sessionDurationInMinutes: 60 });
    const watcher = await raw(room.arn, { userId: 'watcher', sessionDurationInMinutes: 60 });
    await expireRecord(room.id, 'late');
    late.send({ Action: 'SEND_MESSAGE', RequestId: 'r-late', Content: 'too late' });
    const error = await late.next((f) => f.Type === 'ERROR');
    expect(error).toEqual({
      Type: 'ERROR',
      Id: expect.stringMatching(SERVER_ID),
      RequestId: 'r-late',
      ErrorCode: 401,
      ErrorMessage: expect.any(String),
    });
    expect((await late.closed).code).toBe(1000);
    expect(late.frames).toHaveLength(1);
    expect(watcher.frames).toEqual([]);
  });

  test('a ChatRoom request caught by the end of the session is rejected with 401, then the client reconnects', async () => {
    const room = await createRoom(client);
    const chat = await chatClient({
      wsUrl: stack.wsUrl,
      client,
      roomArn: room.arn,
      token: { userId: 'caught', capabilities: ['SEND_MESSAGE'], sessionDurationInMinutes: 60 },
      // See the renewing test above on tokenExpirationTime.
      provider: async () => ({
        token: (await mintToken(client, room.arn, { userId: 'caught', capabilities: ['SEND_MESSAGE'], sessionDurationInMinutes: 60 }))
          .token!,
      }),
    });
    await expireRecord(room.id, 'caught');
    const request = new SendMessageRequest('caught out');
    const outcome = await chat.room.sendMessage(request).then(
      () => 'resolved',
      (e: ChatError) => e,
    );
    expect(outcome).toMatchObject({ errorCode: 401, requestId: request.requestId });
    await waitFor('the reconnect', () => chat.connects === 2);
    expect(chat.disconnects).toEqual([]);
    await expect(chat.room.sendMessage(new SendMessageRequest('again'))).resolves.toMatchObject({ content: 'again' });
  });
});

describe('clients that vanish', () => {
  test('a client process killed with SIGKILL leaves no connection record behind', async () => {
    const room = await createRoom(client);
    const { token } = await mintToken(client, room.arn, { userId: 'doomed' });
    const script = `
      const WebSocket = require(process.argv[1]);
      const ws = new WebSocket(process.argv[2], process.argv[3]);
      ws.on('open', () => console.log('open'));
      ws.on('error', (e) => console.log('error ' + e.message));
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['-e', script, require.resolve('ws'), stack.wsUrl, token!], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      await waitFor('the child to connect', () => out.includes('open'), 10_000);
      expect(out).not.toMatch(/error/);
      await waitFor('the child’s record', async () => (await connectionIdsOf(stack.dynamodbEndpoint, room.id, 'doomed')).length === 1);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    await waitFor('the record to go', async () => (await connectionIdsOf(stack.dynamodbEndpoint, room.id, 'doomed')).length === 0, 5_000);
  });

  test('a socket dropped without a close handshake is forgotten too, and the room keeps working', async () => {
    const room = await createRoom(client);
    const dropped = await raw(room.arn, { userId: 'dropped' });
    const talker = await raw(room.arn, { userId: 'talker', capabilities: ['SEND_MESSAGE'] });
    expect(await connectionIdsOf(stack.dynamodbEndpoint, room.id, 'dropped')).toHaveLength(1);
    dropped.socket.terminate();
    await waitFor('the record to go', async () => (await connectionIdsOf(stack.dynamodbEndpoint, room.id, 'dropped')).length === 0, 5_000);
    talker.send({ Action: 'SEND_MESSAGE', RequestId: 'after-drop', Content: 'hi' });
    expect(await talker.next((f) => f.Type === 'MESSAGE')).toMatchObject({ RequestId: 'after-drop' });
  });
});

describe('malformed frames', () => {
  test('each gets an ERROR to its sender only, with a fresh Id and the RequestId when one was given; nothing closes', async () => {
    const room = await createRoom(client);
    const sender = await raw(room.arn, { userId: 'fuzzer', capabilities: ['SEND_MESSAGE'] });
    const bystander = await raw(room.arn, { userId: 'bystander' });
    const cases: { frame: string | Buffer; code: number; requestId?: string }[] = [
      { frame: 'not json', code: 400 },
      { frame: '[1,2,3]', code: 400 },
      { frame: 'null', code: 400 },
      { frame: '"SEND_MESSAGE"', code: 400 },
      { frame: JSON.stringify({ Action: 'NOPE', RequestId: 'r-unknown' }), code: 400, requestId: 'r-unknown' },
      { frame: JSON.stringify({ RequestId: 'r-noaction', Content: 'x' }), code: 400, requestId: 'r-noaction' },
      { frame: JSON.stringify({ Action: 'SEND_MESSAGE', RequestId: 'r-nocontent' }), code: 400, requestId: 'r-nocontent' },
      { frame: JSON.stringify({ Action: 'SEND_MESSAGE', RequestId: 'r-number', Content: 5 }), code: 400, requestId: 'r-number' },
      {
        frame: JSON.stringify({ Action: 'SEND_MESSAGE', RequestId: 'r-attrs', Content: 'x', Attributes: { n: 1 } }),
        code: 400,
        requestId: 'r-attrs',
      },
      { frame: JSON.stringify({ Action: 'SEND_MESSAGE', RequestId: 7, Content: 'x' }), code: 400 },
      { frame: JSON.stringify({ Action: 'DELETE_MESSAGE', RequestId: 'r-badid', Id: 'short' }), code: 400, requestId: 'r-badid' },
      { frame: JSON.stringify({ Action: 'DISCONNECT_USER', RequestId: 'r-nouser' }), code: 400, requestId: 'r-nouser' },
      { frame: `{"Action":"SEND_MESSAGE","RequestId":"r-deep","Content":${'['.repeat(20_000)}`, code: 400, requestId: 'r-deep' },
      { frame: '{"RequestId":"r-broken","Action":"SEND_MESSAGE","Content":"unterminated', code: 400, requestId: 'r-broken' },
      { frame: Buffer.from([0xde, 0xad, 0xbe, 0xef]), code: 400 },
    ];
    for (const c of cases) sender.socket.send(c.frame);
    sender.send({ Action: 'SEND_MESSAGE', RequestId: 'r-ok', Content: 'still fine' });
    await sender.next((f) => f.RequestId === 'r-ok' && f.Type === 'MESSAGE');

    const errors = sender.frames.slice(0, -1);
    expect(errors.map((f) => [f.Type, f.ErrorCode, f.RequestId])).toEqual(cases.map((c) => ['ERROR', c.code, c.requestId]));
    for (const [i, f] of errors.entries()) {
      expect(f.Id).toMatch(SERVER_ID);
      expect(typeof f.ErrorMessage).toBe('string');
      // No RequestId key at all where the frame had none: the client would take "" for a request.
      if (cases[i]!.requestId === undefined) expect(f).not.toHaveProperty('RequestId');
    }
    expect(new Set(sender.frames.map((f) => f.Id)).size).toBe(sender.frames.length);

    await bystander.next((f) => f.RequestId === 'r-ok');
    expect(bystander.frames.map((f) => f.Type)).toEqual(['MESSAGE']);
    expect(bystander.frames[0]!.Id).toBe(sender.frames.at(-1)!.Id);
    expect([sender.socket.readyState, bystander.socket.readyState]).toEqual([sender.socket.OPEN, bystander.socket.OPEN]);
  });

  test('a frame over 128 KB closes its connection with 1009 before it is read, as API Gateway does; the room goes on', async () => {
    const room = await createRoom(client);
    const sender = await raw(room.arn, { userId: 'big', capabilities: ['SEND_MESSAGE'] });
    const bystander = await raw(room.arn, { userId: 'bystander', capabilities: ['SEND_MESSAGE'] });
    sender.send({ Action: 'SEND_MESSAGE', RequestId: 'r-fits', Content: 'x'.repeat(100) });
    await sender.next((f) => f.RequestId === 'r-fits');
    sender.socket.send(JSON.stringify({ Action: 'SEND_MESSAGE', RequestId: 'r-big', Content: 'x'.repeat(128 * 1024) }));
    expect((await sender.closed).code).toBe(1009);
    expect(sender.frames.map((f) => f.RequestId)).toEqual(['r-fits']);
    await waitFor('the record to go', async () => (await connectionIdsOf(stack.dynamodbEndpoint, room.id, 'big')).length === 0, 5_000);
    bystander.send({ Action: 'SEND_MESSAGE', RequestId: 'r-after', Content: 'still here' });
    expect(await bystander.next((f) => f.RequestId === 'r-after')).toMatchObject({ Type: 'MESSAGE', Content: 'still here' });
  });

  test('a ChatRoom sendMessage over 128 KB ends that connection with a clean 1009, as on AWS: a server disconnect; under it, an ERROR', async () => {
    const room = await createRoom(client);
    const chat = await join(room.arn, { userId: 'big', capabilities: ['SEND_MESSAGE'] });
    // Just under the limit: parsed and answered (the content is over the room's length).
    const near = new SendMessageRequest('x'.repeat(120 * 1024));
    await expect(chat.room.sendMessage(near)).rejects.toMatchObject({ errorCode: 400, requestId: near.requestId });
    // The official client takes the clean close for the server's decision: it does not reconnect,
    // and (as against AWS) the oversized request's promise is never settled.
    void chat.room.sendMessage(new SendMessageRequest('x'.repeat(200 * 1024))).catch(() => undefined);
    expect(await chat.disconnected).toBe('serverDisconnect');
    expect(chat.connects).toBe(1);
  });
});

test('every server frame has its own Id; broadcasts share one Id across connections', async () => {
  const room = await createRoom(client);
  const mod = await raw(room.arn, { userId: 'mod', capabilities: ALL_CAPABILITIES });
  const viewer = await raw(room.arn, { userId: 'viewer' });
  await raw(room.arn, { userId: 'victim' });
  const step = async (send: () => unknown, count: number) => {
    const [m, v] = [mod.frames.length, viewer.frames.length];
    await send();
    await waitFor(`mod to get ${count} frame(s)`, () => mod.frames.length >= m + count);
    await waitFor(`viewer to get ${count} frame(s)`, () => viewer.frames.length >= v + 1 || count === 0);
  };
  for (const i of [1, 2, 3]) await step(() => mod.send({ Action: 'SEND_MESSAGE', RequestId: `m${i}`, Content: `m${i}` }), 1);
  const messageId = mod.frames[0]!.Id as string;
  await step(() => client.send(new SendEventCommand({ roomIdentifier: room.arn, eventName: 'app:e' })), 1);
  await step(() => client.send(new DeleteMessageCommand({ roomIdentifier: room.arn, id: messageId })), 1);
  await step(() => mod.send({ Action: 'DELETE_MESSAGE', RequestId: 'd1', Id: messageId }), 1);
  await step(() => client.send(new DisconnectUserCommand({ roomIdentifier: room.arn, userId: 'victim' })), 1);
  // Refusals go to their requester only.
  mod.send({ Action: 'NOPE', RequestId: 'e1' });
  await mod.next((f) => f.RequestId === 'e1');
  viewer.send({ Action: 'SEND_MESSAGE', RequestId: 'e2', Content: 'x' });
  await viewer.next((f) => f.RequestId === 'e2');

  const modIds = mod.frames.map((f) => f.Id as string);
  const viewerIds = viewer.frames.map((f) => f.Id as string);
  expect(modIds).toHaveLength(8);
  expect(viewerIds).toHaveLength(8);
  for (const id of [...modIds, ...viewerIds]) expect(id).toMatch(SERVER_ID);
  expect(new Set(modIds).size).toBe(8);
  expect(new Set(viewerIds).size).toBe(8);
  // 7 broadcasts seen by both, plus one error each.
  expect(new Set([...modIds, ...viewerIds]).size).toBe(9);
  expect(modIds.slice(0, 7)).toEqual(viewerIds.slice(0, 7));
  const records = await connectionRecords(stack.dynamodbEndpoint);
  expect(
    records
      .filter((r) => r.roomId === room.id)
      .map((r) => r.userId)
      .sort(),
  ).toEqual(['mod', 'viewer']);
});
