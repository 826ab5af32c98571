import { AccessDeniedException, DeleteRoomCommand } from '@aws-sdk/client-ivschat';
import { ChatClient, chatClient, createRoom, mintToken, rawClient, refusedStatus, sleep, waitFor } from '../../helpers/chat';
import {
  EXTENSION_ACTIONS,
  RESTRICTED,
  expectInvalid,
  expectNoRoom,
  extensionPrincipals,
  extensionsClient,
  partitionItems,
  serviceError,
} from '../../helpers/extensions';
import { useLocalStack } from '../../helpers/local-stack';

/** One minute of a ban's duration, in this stack. */
const BAN_MINUTE_MS = 1_500;
const UNKNOWN_ROOM = 'arn:aws:ivschat:us-east-1:000000000000:room/zzzzzzzzzzzz';

// The expiry sweep is slowed to a minute, so ended bans are still in the table: the reads must skip them.
const { stack, client } = useLocalStack(
  () => ({
    IVSCHAT_BAN_MINUTE_MS: String(BAN_MINUTE_MS),
    IVSCHAT_PRINCIPALS_FILE: extensionPrincipals(),
    IVSCHAT_SWEEP_INTERVAL_MS: '60000',
  }),
  { spawn: true },
);
const ext = () => extensionsClient(stack.apiUrl);

const banItems = (roomId: string) => partitionItems(stack.dynamodbEndpoint, `BANS#${roomId}`);
const join = (roomArn: string, userId: string) =>
  chatClient({ wsUrl: stack.wsUrl, client, roomArn, token: { userId, capabilities: ['SEND_MESSAGE'] } });

describe('BanUser', () => {
  test('closes every connection of the user in the room (the room hears aws:DISCONNECT_USER), and no one else’s', async () => {
    const room = await createRoom(client);
    const other = await createRoom(client);
    const [troll1, troll2, reader, trollElsewhere] = await Promise.all([
      join(room.arn, 'troll'),
      join(room.arn, 'troll'),
      join(room.arn, 'reader'),
      join(other.arn, 'troll'),
    ]);
    await ext().banUser({ roomIdentifier: room.arn, userId: 'troll', reason: 'spam' });
    await expect(troll1.disconnected).resolves.toBe('serverDisconnect');
    await expect(troll2.disconnected).resolves.toBe('serverDisconnect');
    const event = await waitFor('reader to hear the disconnect', () => reader.userDisconnects.find((e) => e.userId === 'troll'));
    expect(event.reason).toBe('spam');
    await sleep(200);
    expect([reader.room.state, trollElsewhere.room.state]).toEqual(['connected', 'connected']);
  });

  test('then CreateChatToken for that user and room is AccessDeniedException; other rooms and users are fine', async () => {
    const room = await createRoom(client);
    const other = await createRoom(client);
    await ext().banUser({ roomIdentifier: room.arn, userId: 'troll' });
    const refused = mintToken(client, room.arn, { userId: 'troll' });
    await expect(refused).rejects.toBeInstanceOf(AccessDeniedException);
    await expect(refused).rejects.toMatchObject({
      $metadata: { httpStatusCode: 403 },
      message: `User troll is banned from room ${room.arn}`,
    });
    await expect(mintToken(client, other.arn, { userId: 'troll' })).resolves.toMatchObject({ token: expect.any(String) });
    await expect(mintToken(client, room.arn, { userId: 'nice' })).resolves.toMatchObject({ token: expect.any(String) });
  });

  test('a token minted before the ban is refused at the handshake (403), and works again once the ban is lifted', async () => {
    const room = await createRoom(client);
    const early = (await mintToken(client, room.arn, { userId: 'troll' })).token as string;
    await ext().banUser({ roomIdentifier: room.arn, userId: 'troll' });
    expect(await refusedStatus(stack.wsUrl, early)).toBe(403);
    // Refused before the token was claimed: unbanned, the same token opens a connection.
    await ext().unbanUser({ roomIdentifier: room.arn, userId: 'troll' });
    const socket = await rawClient(stack.wsUrl, early);
    expect(socket.socket.readyState).toBe(socket.socket.OPEN);
  });

  test('UnbanUser lifts the ban at once and is idempotent', async () => {
    const room = await createRoom(client);
    await ext().banUser({ roomIdentifier: room.arn, userId: 'troll', reason: 'spam' });
    await ext().unbanUser({ roomIdentifier: room.arn, userId: 'troll' });
    await ext().unbanUser({ roomIdentifier: room.arn, userId: 'troll' });
    await ext().unbanUser({ roomIdentifier: room.arn, userId: 'never-banned' });
    expect((await ext().listBans({ roomIdentifier: room.arn })).bans).toEqual([]);
    const back: ChatClient = await join(room.arn, 'troll');
    expect(back.room.state).toBe('connected');
  });

  test('a ban with a duration ends by itself: tokens again, gone from ListBans', async () => {
    const room = await createRoom(client);
    const before = Date.now();
    await ext().banUser({ roomIdentifier: room.arn, userId: 'troll', durationInMinutes: 1 });
    const [ban] = (await ext().listBans({ roomIdentifier: room.arn })).bans;
    expect(Date.parse(ban?.expirationTime ?? '') - Date.parse(ban?.createTime ?? '')).toBe(BAN_MINUTE_MS);
    expect(Date.parse(ban?.createTime ?? '')).toBeGreaterThanOrEqual(before - 5);
    await expect(mintToken(client, room.arn, { userId: 'troll' })).rejects.toBeInstanceOf(AccessDeniedException);
    await waitFor(
      'the ban to end',
      () =>
        mintToken(client, room.arn, { userId: 'troll' }).then(
          () => true,
          () => false,
        ),
      10_000,
    );
    expect(Date.now() - before).toBeGreaterThanOrEqual(BAN_MINUTE_MS - 50);
    expect((await ext().listBans({ roomIdentifier: room.arn })).bans).toEqual([]);
  });

  test('banning again replaces the ban (reason, duration)', async () => {
    const room = await createRoom(client);
    await ext().banUser({ roomIdentifier: room.arn, userId: 'troll', reason: 'first', durationInMinutes: 1 });
    await ext().banUser({ roomIdentifier: room.arn, userId: 'troll', reason: 'second' });
    const { bans } = await ext().listBans({ roomIdentifier: room.arn });
    expect(bans).toEqual([{ userId: 'troll', reason: 'second', createTime: expect.any(String) }]);
  });
});

describe('ListBans', () => {
  test('active bans only, newest first, paged without duplicates or misses; tokens are bound to their room', async () => {
    const room = await createRoom(client);
    const other = await createRoom(client);
    const users = ['u0', 'u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'ü#/7'];
    for (const userId of users) {
      await ext().banUser({ roomIdentifier: room.arn, userId, reason: `r-${userId}` });
      await sleep(3);
    }
    await ext().unbanUser({ roomIdentifier: room.arn, userId: 'u3' });
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await ext().listBans({ roomIdentifier: room.arn, maxResults: 3, nextToken });
      seen.push(...page.bans.map((b) => b.userId));
      for (const ban of page.bans)
        expect(ban).toEqual({ userId: ban.userId, reason: `r-${ban.userId}`, createTime: expect.stringMatching(/Z$/) });
      nextToken = page.nextToken;
      pages++;
      if (nextToken) await expectInvalid(ext().listBans({ roomIdentifier: other.arn, nextToken }), ['nextToken']);
    } while (nextToken);
    expect(seen).toEqual(users.filter((u) => u !== 'u3').reverse());
    expect(pages).toBe(3);
    expect(await ext().listBans({ roomIdentifier: other.arn })).toEqual({ bans: [] });
  });
});

test('ListBans skips bans that ended, page after page, and never answers an empty page with a token', async () => {
  const room = await createRoom(client);
  for (const [userId, minutes] of [
    ['a', undefined],
    ['b', 1],
    ['c', 1],
    ['d', undefined],
    ['e', 1],
    ['f', undefined],
  ] as const) {
    await ext().banUser({ roomIdentifier: room.arn, userId, durationInMinutes: minutes });
    await sleep(3);
  }
  await sleep(BAN_MINUTE_MS + 100);
  const pages: string[][] = [];
  let nextToken: string | undefined;
  do {
    const page = await ext().listBans({ roomIdentifier: room.arn, maxResults: 1, nextToken });
    pages.push(page.bans.map((b) => b.userId));
    nextToken = page.nextToken;
  } while (nextToken);
  expect(pages).toEqual([['f'], ['d'], ['a']]);
  // The ended bans are still stored (the sweep has not run): the listing skipped them itself.
  expect(await banItems(room.id)).toHaveLength(6);
});

describe('the extension operations refuse what they should', () => {
  test('every validation rule, with a fieldList naming the member', async () => {
    const room = await createRoom(client);
    const r = room.arn;
    await expectInvalid(ext().banUser({} as never), ['roomIdentifier', 'userId']);
    await expectInvalid(ext().banUser({ roomIdentifier: 'not-an-arn', userId: 'u' }), ['roomIdentifier']);
    await expectInvalid(ext().banUser({ roomIdentifier: r, userId: '' }), ['userId']);
    await expectInvalid(ext().banUser({ roomIdentifier: r, userId: 'x'.repeat(129) }), ['userId']);
    await expectInvalid(ext().banUser({ roomIdentifier: r, userId: 'a\ud800' }), ['userId']);
    await expectInvalid(ext().banUser({ roomIdentifier: r, userId: 'u', reason: 'x'.repeat(257) }), ['reason']);
    for (const durationInMinutes of [0, 525_601, 1.5, '5'] as never[]) {
      await expectInvalid(ext().banUser({ roomIdentifier: r, userId: 'u', durationInMinutes }), ['durationInMinutes']);
    }
    await expect(
      ext().banUser({ roomIdentifier: r, userId: 'x'.repeat(128), reason: 'x'.repeat(256), durationInMinutes: 525_600 }),
    ).resolves.toBeUndefined();
    await expectInvalid(ext().unbanUser({ roomIdentifier: r } as never), ['userId']);
    for (const maxResults of [0, 101, 'ten'] as never[]) {
      await expectInvalid(ext().listBans({ roomIdentifier: r, maxResults }), ['maxResults']);
      await expectInvalid(ext().getRoomPresence({ roomIdentifier: r, maxResults }), ['maxResults']);
      await expectInvalid(ext().listMessages({ roomIdentifier: r, maxResults }), ['maxResults']);
    }
    for (const nextToken of ['garbage', 'x'.repeat(1025)]) {
      await expectInvalid(ext().listBans({ roomIdentifier: r, nextToken }), ['nextToken']);
      await expectInvalid(ext().getRoomPresence({ roomIdentifier: r, nextToken }), ['nextToken']);
      await expectInvalid(ext().listMessages({ roomIdentifier: r, nextToken }), ['nextToken']);
    }
    await expectInvalid(ext().getRoomPresence({} as never), ['roomIdentifier']);
    await expectInvalid(ext().listMessages({} as never), ['roomIdentifier']);
    await expectInvalid(ext().listMessages({ roomIdentifier: r, startTime: 'yesterday' }), ['startTime']);
    await expectInvalid(ext().listMessages({ roomIdentifier: r, endTime: '2026-13-01T00:00:00Z' }), ['endTime']);
    await expectInvalid(ext().listMessages({ roomIdentifier: r, startTime: 1_700_000_000 } as never), ['startTime']);
    await expectInvalid(ext().listMessages({ roomIdentifier: r, includeEvents: 'yes' } as never), ['includeEvents']);
    await expectInvalid(ext().listMessages({ roomIdentifier: r, startTime: '2026-01-01T00:00:01Z', endTime: '2026-01-01T00:00:00Z' }), [
      'endTime',
    ]);
  });

  test('an unknown room is ResourceNotFoundException (ROOM) for each operation', async () => {
    const roomIdentifier = UNKNOWN_ROOM;
    await expectNoRoom(ext().banUser({ roomIdentifier, userId: 'u' }), 'zzzzzzzzzzzz');
    await expectNoRoom(ext().unbanUser({ roomIdentifier, userId: 'u' }), 'zzzzzzzzzzzz');
    await expectNoRoom(ext().listBans({ roomIdentifier }), 'zzzzzzzzzzzz');
    await expectNoRoom(ext().getRoomPresence({ roomIdentifier }), 'zzzzzzzzzzzz');
    await expectNoRoom(ext().listMessages({ roomIdentifier }), 'zzzzzzzzzzzz');
  });

  test('a principal without the actions is AccessDeniedException for each, naming the action; execute-api signing works too', async () => {
    const room = await createRoom(client);
    const limited = extensionsClient(stack.apiUrl, RESTRICTED);
    const calls = {
      ListMessages: () => limited.listMessages({ roomIdentifier: room.arn }),
      GetRoomPresence: () => limited.getRoomPresence({ roomIdentifier: room.arn }),
      BanUser: () => limited.banUser({ roomIdentifier: room.arn, userId: 'u' }),
      UnbanUser: () => limited.unbanUser({ roomIdentifier: room.arn, userId: 'u' }),
      ListBans: () => limited.listBans({ roomIdentifier: room.arn }),
    };
    for (const action of EXTENSION_ACTIONS) {
      const error = await serviceError(calls[action]());
      expect({ name: error.name, status: error.status }).toEqual({ name: 'AccessDeniedException', status: 403 });
      expect(error.message).toContain(`ivschat:${action}`);
    }
    expect((await ext().listBans({ roomIdentifier: room.arn })).bans).toEqual([]);
    const signedForApiGateway = extensionsClient(stack.apiUrl, undefined, 'execute-api');
    await expect(signedForApiGateway.listBans({ roomIdentifier: room.arn })).resolves.toEqual({ bans: [] });
  });

  test('a deleted room takes its bans with it', async () => {
    const room = await createRoom(client);
    await ext().banUser({ roomIdentifier: room.arn, userId: 'a' });
    await ext().banUser({ roomIdentifier: room.arn, userId: 'b', durationInMinutes: 10 });
    await client.send(new DeleteRoomCommand({ identifier: room.arn }));
    expect(await banItems(room.id)).toEqual([]);
    await expectNoRoom(ext().listBans({ roomIdentifier: room.arn }), room.id);
  });
});
