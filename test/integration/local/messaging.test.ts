import { DeleteMessageRequest, DisconnectUserRequest, SendMessageRequest } from 'amazon-ivs-chat-messaging';
import type { ChatError } from 'amazon-ivs-chat-messaging';
import {
  CreateChatTokenCommand,
  DeleteMessageCommand,
  DeleteRoomCommand,
  DisconnectUserCommand,
  ResourceNotFoundException,
  SendEventCommand,
  ValidationException,
} from '@aws-sdk/client-ivschat';
import { ChatClient, chatClient, connectionRecords, createRoom, marker, refusal, sleep, TokenRequest, waitFor } from '../../helpers/chat';
import { useLocalStack } from '../../helpers/local-stack';

const MESSAGE_ID = /^[a-zA-Z0-9]{12}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const UNKNOWN_ROOM = 'arn:aws:ivschat:us-east-1:000000000000:room/zzzzzzzzzzzz';

const { stack, client } = useLocalStack();

const join = (roomArn: string, token: TokenRequest) => chatClient({ wsUrl: stack.wsUrl, client, roomArn, token });

describe('messages between official ChatRoom clients', () => {
  let roomA: { arn: string; id: string };
  let roomB: { arn: string; id: string };
  let alice: ChatClient;
  let bob: ChatClient;
  let viewer: ChatClient;
  let other: ChatClient;

  beforeAll(async () => {
    roomA = await createRoom(client, { name: 'room-a' });
    roomB = await createRoom(client, { name: 'room-b' });
    [alice, bob, viewer, other] = await Promise.all([
      join(roomA.arn, { userId: 'alice', capabilities: ['SEND_MESSAGE'], attributes: { displayName: 'Ann' } }),
      join(roomA.arn, { userId: 'bob', capabilities: ['SEND_MESSAGE'] }),
      join(roomA.arn, { userId: 'viewer' }),
      join(roomB.arn, { userId: 'other', capabilities: ['SEND_MESSAGE'] }),
    ]);
  });

  test('sendMessage resolves with the message, and every client of the room, the sender too, gets it once', async () => {
    const request = new SendMessageRequest('hello', { k: 'v' });
    const before = Date.now();
    const sent = await alice.room.sendMessage(request);
    expect(sent.id).toMatch(MESSAGE_ID);
    expect(sent.requestId).toBe(request.requestId);
    expect(request.requestId).toMatch(UUID);
    expect(sent.content).toBe('hello');
    expect(sent.attributes).toEqual({ k: 'v' });
    expect(sent.sender).toEqual({ userId: 'alice', attributes: { displayName: 'Ann' } });
    expect(sent.sendTime.getTime()).toBeGreaterThanOrEqual(before - 1_000);
    expect(sent.sendTime.getTime()).toBeLessThanOrEqual(Date.now() + 1_000);

    for (const c of [alice, bob, viewer]) {
      const got = await waitFor(`${c.userId} to get the message`, () => c.messages.find((m) => m.id === sent.id));
      expect(got).toEqual({ ...sent });
    }
    // The other room's client sees nothing: its own later message arrives, alice's never did.
    const own = await marker(other, [other]);
    expect(other.messages.map((m) => m.id)).toEqual([own.id]);
    expect([alice, bob, viewer].map((c) => c.messages.filter((m) => m.id === sent.id).length)).toEqual([1, 1, 1]);
  });

  test('a message without attributes arrives without attributes; sender attributes stay the token’s', async () => {
    const sent = await bob.room.sendMessage(new SendMessageRequest('plain'));
    expect(sent.attributes).toBeUndefined();
    expect(sent.sender).toEqual({ userId: 'bob', attributes: {} });
    const seen = await waitFor('alice to get it', () => alice.messages.find((m) => m.id === sent.id));
    expect(seen.content).toBe('plain');
  });

  test('each action without its capability is refused with 403 to the requester only, nothing is broadcast', async () => {
    const send = new SendMessageRequest('not allowed');
    const sendError = await refusal(viewer.room.sendMessage(send));
    expect(sendError).toEqual({
      id: expect.stringMatching(/\S/),
      errorCode: 403,
      errorMessage: expect.stringMatching(/SEND_MESSAGE/),
      requestId: send.requestId,
    });

    const del = new DeleteMessageRequest('AbCdEfGhIjKl', 'spam');
    const delError = await refusal(alice.room.deleteMessage(del));
    expect(delError).toMatchObject({ errorCode: 403, requestId: del.requestId });
    expect(delError.errorMessage).toMatch(/DELETE_MESSAGE/);

    const kick = new DisconnectUserRequest('bob', 'rude');
    const kickError = await refusal(alice.room.disconnectUser(kick));
    expect(kickError).toMatchObject({ errorCode: 403, requestId: kick.requestId });
    expect(kickError.errorMessage).toMatch(/DISCONNECT_USER/);

    // Every error had its own id.
    expect(new Set([sendError.id, delError.id, kickError.id]).size).toBe(3);
    // Nothing reached the room: bob's next message is all that arrives after this point.
    const countsBefore = [bob.messages.length, bob.deletes.length, bob.userDisconnects.length];
    const m = await marker(alice, [bob, viewer]);
    expect([bob.messages.length, bob.deletes.length, bob.userDisconnects.length]).toEqual([
      countsBefore[0]! + 1,
      countsBefore[1],
      countsBefore[2],
    ]);
    expect(bob.messages.at(-1)?.id).toBe(m.id);
    expect(bob.room.state).toBe('connected');
    expect(viewer.room.state).toBe('connected');
  });
});

describe('room limits', () => {
  test('content longer than maximumMessageLength (in code points) is refused with 400; exactly the limit is fine', async () => {
    const room = await createRoom(client, { maximumMessageLength: 5 });
    const [writer, reader] = await Promise.all([
      join(room.arn, { userId: 'writer', capabilities: ['SEND_MESSAGE'] }),
      join(room.arn, { userId: 'reader' }),
    ]);
    const tooLong = new SendMessageRequest('😀😀😀😀😀😀');
    const error = await refusal(writer.room.sendMessage(tooLong));
    expect(error).toMatchObject({ errorCode: 400, requestId: tooLong.requestId });

    const sent = await writer.room.sendMessage(new SendMessageRequest('😀😀😀😀😀'));
    expect(sent.content).toBe('😀😀😀😀😀');
    await waitFor('reader to get the 5-emoji message', () => reader.messages.find((m) => m.id === sent.id));
    expect(reader.messages.map((m) => m.content)).toEqual(['😀😀😀😀😀']);
  });

  test('a burst above maximumMessageRatePerSecond: the room’s quota is delivered, the rest refused with 429', async () => {
    const room = await createRoom(client, { maximumMessageRatePerSecond: 2 });
    const [a, b, reader] = await Promise.all([
      join(room.arn, { userId: 'a', capabilities: ['SEND_MESSAGE'] }),
      join(room.arn, { userId: 'b', capabilities: ['SEND_MESSAGE'] }),
      join(room.arn, { userId: 'reader' }),
    ]);
    // The counter is per wall-clock second: start the burst early in a second so it stays in one.
    await sleep(1_000 - (Date.now() % 1_000) + 20);
    const burst = [a, b, a, b, a].map((c, i) => c.room.sendMessage(new SendMessageRequest(`burst ${i}`)));
    const outcomes = await Promise.allSettled(burst);
    const delivered = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as ChatError] : []));
    expect(delivered).toHaveLength(2);
    expect(refused.map((e) => e.errorCode)).toEqual([429, 429, 429]);
    expect(new Set(delivered.map((m) => Math.floor(m.sendTime.getTime() / 1_000))).size).toBe(1);
    await waitFor('reader to get both delivered messages', () => reader.messages.length === 2);
    expect(reader.messages.map((m) => m.id).sort()).toEqual(delivered.map((m) => m.id).sort());

    // The next second has a fresh quota.
    await sleep(1_000 - (Date.now() % 1_000) + 20);
    await expect(a.room.sendMessage(new SendMessageRequest('after'))).resolves.toMatchObject({ content: 'after' });
  });
});

describe('SendEvent, DeleteMessage and DisconnectUser through the control plane', () => {
  let room: { arn: string; id: string };
  let author: ChatClient;
  let fan: ChatClient;
  let outsider: ChatClient;

  beforeAll(async () => {
    room = await createRoom(client);
    const elsewhere = await createRoom(client);
    [author, fan, outsider] = await Promise.all([
      join(room.arn, { userId: 'author', capabilities: ['SEND_MESSAGE'] }),
      join(room.arn, { userId: 'fan' }),
      join(elsewhere.arn, { userId: 'outsider', capabilities: ['SEND_MESSAGE'] }),
    ]);
  });

  test('SendEvent reaches every client of the room as an event whose id is the response id', async () => {
    const out = await client.send(new SendEventCommand({ roomIdentifier: room.arn, eventName: 'app:poll', attributes: { q: '1' } }));
    expect(out.id).toMatch(MESSAGE_ID);
    for (const c of [author, fan]) {
      const event = await waitFor(`${c.userId} to get the event`, () => c.events.find((e) => e.id === out.id));
      expect(event).toMatchObject({ id: out.id, eventName: 'app:poll', attributes: { q: '1' } });
      expect(event.requestId ?? '').toBe('');
      expect(Math.abs(event.sendTime.getTime() - Date.now())).toBeLessThan(5_000);
    }
    // Without attributes the event still arrives.
    const bare = await client.send(new SendEventCommand({ roomIdentifier: room.arn, eventName: 'app:ping' }));
    await waitFor('fan to get app:ping', () => fan.events.find((e) => e.id === bare.id && e.eventName === 'app:ping'));
    const own = await marker(outsider, [outsider]);
    expect(outsider.events).toEqual([]);
    expect(outsider.messages.map((m) => m.id)).toEqual([own.id]);
  });

  test('SendEvent refuses aws: event names and unknown rooms', async () => {
    await expect(client.send(new SendEventCommand({ roomIdentifier: room.arn, eventName: 'aws:x' }))).rejects.toBeInstanceOf(
      ValidationException,
    );
    await expect(client.send(new SendEventCommand({ roomIdentifier: room.arn, eventName: 'aws:DELETE_MESSAGE' }))).rejects.toBeInstanceOf(
      ValidationException,
    );
    const err = await client.send(new SendEventCommand({ roomIdentifier: UNKNOWN_ROOM, eventName: 'app:x' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResourceNotFoundException);
    expect((err as ResourceNotFoundException).$metadata.httpStatusCode).toBe(404);
  });

  test.each([
    [
      'SendEvent with attributes over 1 KB',
      () => new SendEventCommand({ roomIdentifier: room.arn, eventName: 'app:x', attributes: { a: 'x'.repeat(1024) } }),
    ],
    ['SendEvent with an empty eventName', () => new SendEventCommand({ roomIdentifier: room.arn, eventName: '' })],
    ['SendEvent with a 101-character eventName', () => new SendEventCommand({ roomIdentifier: room.arn, eventName: 'e'.repeat(101) })],
    ['DeleteMessage with an id that is not 12 alphanumerics', () => new DeleteMessageCommand({ roomIdentifier: room.arn, id: 'short' })],
    ['DeleteMessage with an empty reason', () => new DeleteMessageCommand({ roomIdentifier: room.arn, id: 'AbCdEfGhIjKl', reason: '' })],
    ['DisconnectUser with an empty userId', () => new DisconnectUserCommand({ roomIdentifier: room.arn, userId: '' })],
    [
      'DisconnectUser with a 257-character reason',
      () => new DisconnectUserCommand({ roomIdentifier: room.arn, userId: 'u', reason: 'r'.repeat(257) }),
    ],
  ])('%s is a ValidationException and reaches no client', async (_label, command) => {
    const counts = () => [fan.events.length, fan.deletes.length, fan.userDisconnects.length];
    const before = counts();
    await expect(client.send(command() as never)).rejects.toBeInstanceOf(ValidationException);
    await marker(author, [fan]);
    expect(counts()).toEqual(before);
  });

  test('DeleteMessage reaches the clients as messageDelete with the message id and reason', async () => {
    const sent = await author.room.sendMessage(new SendMessageRequest('oops'));
    const out = await client.send(new DeleteMessageCommand({ roomIdentifier: room.arn, id: sent.id, reason: 'spam' }));
    expect(out.id).toMatch(MESSAGE_ID);
    expect(out.id).not.toBe(sent.id);
    for (const c of [author, fan]) {
      const del = await waitFor(`${c.userId} to get messageDelete`, () => c.deletes.find((d) => d.id === out.id));
      expect(del).toMatchObject({ id: out.id, messageId: sent.id, reason: 'spam' });
      expect(del.attributes).toEqual({ MessageId: sent.id, MessageID: sent.id, Reason: 'spam' });
      expect(del.requestId ?? '').toBe('');
    }
    // Deletion events never show up as plain events.
    expect(fan.events.some((e) => e.eventName.startsWith('aws:'))).toBe(false);
    expect(outsider.deletes).toEqual([]);
  });

  test('DeleteMessage, DisconnectUser and CreateChatToken refuse unknown rooms with ResourceNotFoundException', async () => {
    const calls = [
      client.send(new DeleteMessageCommand({ roomIdentifier: UNKNOWN_ROOM, id: 'AbCdEfGhIjKl' })),
      client.send(new DisconnectUserCommand({ roomIdentifier: UNKNOWN_ROOM, userId: 'u' })),
      client.send(new CreateChatTokenCommand({ roomIdentifier: UNKNOWN_ROOM, userId: 'u' })),
    ];
    for (const call of calls) {
      const err = await call.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ResourceNotFoundException);
      expect((err as ResourceNotFoundException).resourceId).toBe('zzzzzzzzzzzz');
    }
  });

  test('DisconnectUser closes every connection of that user (serverDisconnect, no reconnect) and no one else’s', async () => {
    const [target1, target2, bystander] = await Promise.all([
      join(room.arn, { userId: 'target' }),
      join(room.arn, { userId: 'target' }),
      join(room.arn, { userId: 'bystander' }),
    ]);
    expect((await connectionRecords(stack.dynamodbEndpoint)).filter((r) => r.roomId === room.id && r.userId === 'target')).toHaveLength(2);

    await client.send(new DisconnectUserCommand({ roomIdentifier: room.arn, userId: 'target', reason: 'rude' }));
    await expect(target1.disconnected).resolves.toBe('serverDisconnect');
    await expect(target2.disconnected).resolves.toBe('serverDisconnect');
    for (const c of [bystander, fan, author]) {
      const ev = await waitFor(`${c.userId} to get userDisconnect`, () => c.userDisconnects.find((e) => e.userId === 'target'));
      expect(ev).toMatchObject({ userId: 'target', reason: 'rude' });
      expect(ev.requestId ?? '').toBe('');
    }
    // The others stay connected and keep receiving; the target does not come back by itself.
    const after = await marker(author, [bystander, fan]);
    await sleep(200);
    expect([bystander, fan, author].map((c) => c.room.state)).toEqual(['connected', 'connected', 'connected']);
    expect([target1.tokenCalls, target2.tokenCalls]).toEqual([1, 1]);
    expect(target1.messages.some((m) => m.id === after.id)).toBe(false);
    await waitFor('the target’s records to go', async () =>
      (await connectionRecords(stack.dynamodbEndpoint)).every((r) => !(r.roomId === room.id && r.userId === 'target')),
    );
  });
});

describe('DELETE_MESSAGE and DISCONNECT_USER from the socket', () => {
  test('deleteMessage resolves with the deletion event, which every client gets', async () => {
    const room = await createRoom(client);
    const [moderator, writer, reader] = await Promise.all([
      join(room.arn, { userId: 'mod', capabilities: ['DELETE_MESSAGE', 'DISCONNECT_USER'] }),
      join(room.arn, { userId: 'writer', capabilities: ['SEND_MESSAGE'] }),
      join(room.arn, { userId: 'reader' }),
    ]);
    const sent = await writer.room.sendMessage(new SendMessageRequest('bad words'));
    const request = new DeleteMessageRequest(sent.id, 'spam');
    const deleted = await moderator.room.deleteMessage(request);
    expect(deleted).toMatchObject({ messageId: sent.id, reason: 'spam', requestId: request.requestId });
    expect(deleted.id).toMatch(MESSAGE_ID);
    expect(deleted.id).not.toBe(sent.id);
    for (const c of [writer, reader]) {
      const seen = await waitFor(`${c.userId} to get messageDelete`, () => c.deletes.find((d) => d.id === deleted.id));
      expect(seen).toMatchObject({ messageId: sent.id, reason: 'spam', requestId: request.requestId });
    }
    // Without a reason.
    const bare = await moderator.room.deleteMessage(new DeleteMessageRequest(sent.id));
    expect(bare.reason).toBeUndefined();
    expect(bare.attributes).toEqual({ MessageId: sent.id, MessageID: sent.id });
  });

  test('disconnectUser resolves, closes the target’s connection and leaves the requester connected', async () => {
    const room = await createRoom(client);
    const [moderator, troll, reader] = await Promise.all([
      join(room.arn, { userId: 'mod', capabilities: ['DISCONNECT_USER'] }),
      join(room.arn, { userId: 'troll', capabilities: ['SEND_MESSAGE'] }),
      join(room.arn, { userId: 'reader' }),
    ]);
    const request = new DisconnectUserRequest('troll', 'rude');
    const kicked = await moderator.room.disconnectUser(request);
    expect(kicked).toMatchObject({ userId: 'troll', reason: 'rude', requestId: request.requestId });
    await expect(troll.disconnected).resolves.toBe('serverDisconnect');
    await waitFor('reader to get userDisconnect', () => reader.userDisconnects.find((e) => e.id === kicked.id));
    await sleep(100);
    expect([moderator.room.state, reader.room.state, troll.room.state]).toEqual(['connected', 'connected', 'disconnected']);
    expect(troll.tokenCalls).toBe(1);
  });
});

describe('DeleteRoom', () => {
  test('closes the connections of that room only', async () => {
    const doomed = await createRoom(client);
    const kept = await createRoom(client);
    const [c1, c2, survivor] = await Promise.all([
      join(doomed.arn, { userId: 'one' }),
      join(doomed.arn, { userId: 'two', capabilities: ['SEND_MESSAGE'] }),
      join(kept.arn, { userId: 'three', capabilities: ['SEND_MESSAGE'] }),
    ]);
    await client.send(new DeleteRoomCommand({ identifier: doomed.arn }));
    await expect(c1.disconnected).resolves.toBe('serverDisconnect');
    await expect(c2.disconnected).resolves.toBe('serverDisconnect');
    await waitFor('the room’s records to go', async () =>
      (await connectionRecords(stack.dynamodbEndpoint)).every((r) => r.roomId !== doomed.id),
    );
    await marker(survivor, [survivor]);
    expect(survivor.room.state).toBe('connected');
    expect([c1.tokenCalls, c2.tokenCalls]).toEqual([1, 1]);
  });
});
