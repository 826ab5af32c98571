import { spawn } from 'node:child_process';
import { DeleteRoomCommand } from '@aws-sdk/client-ivschat';
import { chatClient, createRoom, mintToken, waitFor } from '../../helpers/chat';
import { expectInvalid, expectNoRoom, extensionsClient } from '../../helpers/extensions';
import { useLocalStack } from '../../helpers/local-stack';

const { stack, client } = useLocalStack({}, { spawn: true });
const ext = () => extensionsClient(stack.apiUrl);
const join = (roomArn: string, userId: string, attributes: Record<string, string> = {}) =>
  chatClient({ wsUrl: stack.wsUrl, client, roomArn, token: { userId, attributes } });
const presence = (roomArn: string, page: { maxResults?: number; nextToken?: string } = {}) =>
  ext().getRoomPresence({ roomIdentifier: roomArn, ...page });
const counts = async (roomArn: string) => {
  const { connectionCount, userCount } = await presence(roomArn);
  return [connectionCount, userCount];
};

test('an empty room: no one', async () => {
  const room = await createRoom(client);
  expect(await presence(room.arn)).toEqual({ connectionCount: 0, userCount: 0, users: [] });
});

test('counts users and connections exactly as official clients join and leave', async () => {
  const room = await createRoom(client);
  const elsewhere = await createRoom(client);
  const first = await join(room.arn, 'ann', { displayName: 'Ann (phone)' });
  expect(await presence(room.arn)).toEqual({
    connectionCount: 1,
    userCount: 1,
    users: [{ userId: 'ann', attributes: { displayName: 'Ann (phone)' }, connectionCount: 1, connectedAt: expect.stringMatching(/Z$/) }],
  });
  const firstAt = (await presence(room.arn)).users[0]?.connectedAt as string;
  await new Promise((r) => setTimeout(r, 20));
  const second = await join(room.arn, 'ann', { displayName: 'Ann (laptop)' });
  const bob = await join(room.arn, 'bob');
  await join(elsewhere.arn, 'carol');
  const both = await presence(room.arn);
  // The newest connection's attributes, the earliest connection's time.
  expect(both).toEqual({
    connectionCount: 3,
    userCount: 2,
    users: [
      { userId: 'ann', attributes: { displayName: 'Ann (laptop)' }, connectionCount: 2, connectedAt: firstAt },
      { userId: 'bob', attributes: {}, connectionCount: 1, connectedAt: expect.stringMatching(/Z$/) },
    ],
  });
  first.room.disconnect();
  await waitFor('ann’s first connection to leave', async () => (await counts(room.arn)).join() === '2,2');
  const [ann] = (await presence(room.arn)).users;
  expect(ann).toMatchObject({ userId: 'ann', connectionCount: 1, attributes: { displayName: 'Ann (laptop)' } });
  expect(Date.parse(ann?.connectedAt ?? '')).toBeGreaterThan(Date.parse(firstAt));
  bob.room.disconnect();
  second.room.disconnect();
  await waitFor('everyone to leave', async () => (await counts(room.arn)).join() === '0,0');
  expect(await counts(elsewhere.arn)).toEqual([1, 1]);
});

test('a client that dies without closing (its process killed) leaves presence', async () => {
  const room = await createRoom(client);
  const token = (await mintToken(client, room.arn, { userId: 'doomed' })).token as string;
  // A process of its own holding one socket, killed with SIGKILL: no close frame is ever sent.
  const holder = spawn(
    process.execPath,
    [
      '-e',
      `const ws = new (require('ws'))(process.env.WS, process.env.TOKEN); ws.on('open', () => console.log('open')); setInterval(() => {}, 1000);`,
    ],
    {
      env: { ...process.env, WS: stack.wsUrl, TOKEN: token },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve) => holder.stdout.on('data', (d: Buffer) => d.toString().includes('open') && resolve()));
  expect(await presence(room.arn)).toMatchObject({ connectionCount: 1, userCount: 1, users: [{ userId: 'doomed' }] });
  holder.kill('SIGKILL');
  await waitFor('the dead client to leave', async () => (await counts(room.arn)).join() === '0,0', 10_000);
});

test('users by userId (code point order), paged without duplicates or misses; counts are the whole room’s on every page', async () => {
  const room = await createRoom(client);
  const other = await createRoom(client);
  const users = ['émile', 'Zed', 'alice', '😀', 'bob', 'b#b', 'carol'];
  for (const userId of users) await join(room.arn, userId);
  const seen: string[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const page = await presence(room.arn, { maxResults: 2, nextToken });
    expect([page.connectionCount, page.userCount]).toEqual([7, 7]);
    seen.push(...page.users.map((u) => u.userId));
    nextToken = page.nextToken;
    pages++;
    if (nextToken) await expectInvalid(presence(other.arn, { nextToken }), ['nextToken']);
  } while (nextToken);
  expect(pages).toBe(4);
  expect(seen).toEqual(['Zed', 'alice', 'b#b', 'bob', 'carol', 'émile', '😀']);
});

test('a deleted room takes its presence with it', async () => {
  const room = await createRoom(client);
  const viewer = await join(room.arn, 'viewer');
  await client.send(new DeleteRoomCommand({ identifier: room.arn }));
  await viewer.disconnected;
  await expectNoRoom(presence(room.arn), room.id);
});
