import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DeleteMessageRequest, SendMessageRequest } from 'amazon-ivs-chat-messaging';
import { DeleteMessageCommand, DeleteRoomCommand, SendEventCommand } from '@aws-sdk/client-ivschat';
import type { HistoryEvent, HistoryMessage } from '../../../lib/client/extensions';
import { ACCOUNT, REGION } from '../../fixtures/aws';
import { ChatClient, RawClient, chatClient, createRoom, mintToken, rawClient, refusal, sleep, waitFor } from '../../helpers/chat';
import { expectNoRoom, extensionsClient, partitionItems } from '../../helpers/extensions';
import { InProcessStack, ivschat, startInProcess, useLocalStack } from '../../helpers/local-stack';

const PROFANITY = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:profanity`;

function lambdasFile(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'ivschat-lambdas-')), 'lambdas.json');
  writeFileSync(path, JSON.stringify({ [PROFANITY]: resolve(__dirname, '../../../examples/profanity.mjs') }));
  return path;
}

const { stack, client } = useLocalStack(() => ({ IVSCHAT_LAMBDAS_FILE: lambdasFile() }), { spawn: true });
const ext = (apiUrl = stack.apiUrl) => extensionsClient(apiUrl);
type Entry = HistoryMessage | HistoryEvent;

/** Every entry ListMessages lists, page after page (asserting each page's size), newest first. */
async function everything(
  roomArn: string,
  query: { maxResults?: number; startTime?: string; endTime?: string; includeEvents?: boolean } = {},
  apiUrl?: string,
) {
  const entries: Entry[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const page = await ext(apiUrl).listMessages({ roomIdentifier: roomArn, ...query, nextToken });
    entries.push(...page.messages);
    if (page.nextToken) expect(page.messages).toHaveLength(query.maxResults ?? 50);
    nextToken = page.nextToken;
    pages++;
  } while (nextToken);
  return { entries, pages };
}

/** A room, a sender (the official client) and a raw socket recording each frame exactly as delivered. */
async function chatIn(
  options: { maximumMessageRatePerSecond?: number; messageReviewHandler?: { uri: string } } = {},
  c = client,
  wsUrl = stack.wsUrl,
) {
  const room = await createRoom(c, options);
  const sender = await chatClient({
    wsUrl,
    client: c,
    roomArn: room.arn,
    token: { userId: 'ann', capabilities: ['SEND_MESSAGE', 'DELETE_MESSAGE'], attributes: { displayName: 'Ann' } },
  });
  const wire = await rawClient(wsUrl, (await mintToken(c, room.arn, { userId: 'wire' })).token as string);
  return { room, sender, wire };
}

/** The frames of `type` the raw socket got, minus RequestId: what history must hold. */
const delivered = (wire: RawClient, types = ['MESSAGE']) =>
  wire.frames.filter((f) => types.includes(String(f.Type))).map(({ RequestId: _r, ...rest }) => rest);

async function send(sender: ChatClient, wire: RawClient, content: string, attributes?: Record<string, string>) {
  const sent = await sender.room.sendMessage(new SendMessageRequest(content, attributes));
  await waitFor(`${content} on the wire`, () => wire.frames.some((f) => f.Id === sent.id));
  return sent;
}

test('250 messages: listed as delivered, newest first, paged without duplicates or misses; start and end times', async () => {
  const { room, sender, wire } = await chatIn({ maximumMessageRatePerSecond: 100 });
  const refused: unknown[] = [];
  for (let i = 0; i < 250; i++) {
    // Within the room's 100 a second.
    if (i % 50 === 49) await sleep(1_000 - (Date.now() % 1_000) + 10);
    sender.room
      .sendMessage(new SendMessageRequest(`message ${i}`, i % 2 ? { n: String(i) } : undefined))
      .catch((err: unknown) => refused.push(err));
    await sleep(2);
  }
  await waitFor('all 250 on the wire', () => delivered(wire).length === 250 || refused.length > 0, 15_000);
  expect(refused).toEqual([]);
  const frames = delivered(wire);
  const newestFirst = [...frames].sort((a, b) => String(b.SendTime).localeCompare(String(a.SendTime)));

  const { entries, pages } = await everything(room.arn, { maxResults: 100 });
  expect(pages).toBe(3);
  expect(new Set(entries.map((e) => e.Id)).size).toBe(250);
  // Newest SendTime first (messages of one millisecond in id order), and exactly the frames delivered.
  expect(entries.map((e) => e.SendTime)).toEqual(newestFirst.map((f) => f.SendTime));
  expect([...entries].sort(byId)).toEqual([...frames].sort(byId));
  expect(entries[0]).toMatchObject({ Type: 'MESSAGE', Sender: { UserId: 'ann', Attributes: { displayName: 'Ann' } } });
  expect(entries.some((e) => e.Type === 'MESSAGE' && e.Attributes === null)).toBe(true);

  const defaultPage = await ext().listMessages({ roomIdentifier: room.arn });
  expect(defaultPage.messages).toEqual(entries.slice(0, 50));

  // startTime inclusive, endTime exclusive.
  const startTime = String(newestFirst[180]?.SendTime);
  const endTime = String(newestFirst[100]?.SendTime);
  const inRange = newestFirst.filter((f) => String(f.SendTime) >= startTime && String(f.SendTime) < endTime);
  expect(inRange.length).toBeGreaterThan(0);
  const ranged = await everything(room.arn, { maxResults: 7, startTime, endTime });
  expect(ranged.entries.map((e) => e.Id).sort()).toEqual(inRange.map((f) => f.Id).sort());
  const after = await everything(room.arn, { startTime, maxResults: 100 });
  expect(after.entries).toHaveLength(newestFirst.filter((f) => String(f.SendTime) >= startTime).length);
  const before = await everything(room.arn, { endTime, maxResults: 100 });
  expect(before.entries).toHaveLength(newestFirst.filter((f) => String(f.SendTime) < endTime).length);
  // The same time with an offset is the same instant.
  const offset = new Date(Date.parse(startTime)).toISOString().replace('Z', '+00:00');
  expect((await everything(room.arn, { startTime: offset, endTime, maxResults: 100 })).entries).toHaveLength(inRange.length);

  // A token belongs to its request: another range, another room, or events included is refused.
  const { nextToken } = await ext().listMessages({ roomIdentifier: room.arn, maxResults: 10 });
  for (const other of [{ startTime }, { includeEvents: true }]) {
    await expect(ext().listMessages({ roomIdentifier: room.arn, maxResults: 10, nextToken, ...other })).rejects.toMatchObject({
      name: 'ValidationException',
    });
  }
}, 60_000);

const byId = (a: { Id?: unknown }, b: { Id?: unknown }) => String(a.Id).localeCompare(String(b.Id));

test('includeEvents adds SendEvent events, never aws: events; deleted messages (control plane or socket) are gone', async () => {
  const { room, sender, wire } = await chatIn();
  const kept = await send(sender, wire, 'kept');
  const deletedByApi = await send(sender, wire, 'deleted by the API');
  const deletedBySocket = await send(sender, wire, 'deleted on the socket');
  const { id: eventId } = await client.send(
    new SendEventCommand({ roomIdentifier: room.arn, eventName: 'app:poll', attributes: { q: 'tea?' } }),
  );
  await waitFor('the event on the wire', () => wire.frames.some((f) => f.Id === eventId));
  await client.send(new DeleteMessageCommand({ roomIdentifier: room.arn, id: deletedByApi.id, reason: 'spam' }));
  await sender.room.deleteMessage(new DeleteMessageRequest(deletedBySocket.id, 'oops'));
  await waitFor('both deletions on the wire', () => wire.frames.filter((f) => f.EventName === 'aws:DELETE_MESSAGE').length === 2);

  expect((await everything(room.arn)).entries.map((e) => e.Id)).toEqual([kept.id]);
  const withEvents = (await everything(room.arn, { includeEvents: true })).entries;
  expect(withEvents.map((e) => e.Id)).toEqual([eventId, kept.id]);
  const event = wire.frames.find((f) => f.Id === eventId) as Record<string, unknown>;
  const { RequestId: _r, ...eventAsDelivered } = event;
  expect(withEvents[0]).toEqual(eventAsDelivered);
  expect(withEvents[0]).toMatchObject({ Type: 'EVENT', EventName: 'app:poll', Attributes: { q: 'tea?' } });
});

test('a message the review handler denied is not kept; a rewritten one is kept as delivered', async () => {
  const { room, sender, wire } = await chatIn({ messageReviewHandler: { uri: PROFANITY } });
  const denied = sender.room.sendMessage(new SendMessageRequest('forbiddenword'));
  expect((await refusal(denied)).errorCode).toBe(406);
  const masked = await send(sender, wire, 'what the heck');
  const onWire = wire.frames.find((f) => f.Id === masked.id);
  expect(onWire?.Content).not.toBe('what the heck');
  const { entries } = await everything(room.arn);
  expect(entries.map((e) => e.Id)).toEqual([masked.id]);
  expect(entries[0]).toEqual(delivered(wire)[0]);
});

test('a deleted room takes its history with it', async () => {
  const { room, sender, wire } = await chatIn();
  await send(sender, wire, 'soon gone');
  await client.send(new DeleteRoomCommand({ identifier: room.arn }));
  await expectNoRoom(ext().listMessages({ roomIdentifier: room.arn }), room.id);
});

describe('retention', () => {
  let short: InProcessStack | undefined;
  let off: InProcessStack | undefined;
  afterAll(async () => {
    await short?.stop();
    await off?.stop();
  });

  const historyItems = (dynamodbEndpoint: string, roomId: string) => partitionItems(dynamodbEndpoint, `HIST#${roomId}`);

  test('messages older than IVSCHAT_HISTORY_HOURS are no longer listed, and the sweep deletes them', async () => {
    // One hour of retention, an hour being 1.5 s in this stack.
    short = await startInProcess({ IVSCHAT_HISTORY_HOURS: '1', IVSCHAT_HISTORY_HOUR_MS: '1500', IVSCHAT_SWEEP_INTERVAL_MS: '100' });
    const c = ivschat(short.apiUrl);
    const { room, sender, wire } = await chatIn({}, c, short.wsUrl);
    const early = await send(sender, wire, 'early');
    await sleep(900);
    const late = await send(sender, wire, 'late');
    expect((await everything(room.arn, {}, short.apiUrl)).entries.map((e) => e.Id)).toEqual([late.id, early.id]);
    await waitFor('the early message to expire', async () => (await everything(room.arn, {}, short?.apiUrl)).entries.length === 1, 5_000);
    expect((await everything(room.arn, {}, short.apiUrl)).entries.map((e) => e.Id)).toEqual([late.id]);
    await waitFor(
      'both items to be swept from the table',
      async () => (await historyItems(short?.dynamodbEndpoint ?? '', room.id)).length === 0,
      8_000,
    );
    expect((await everything(room.arn, {}, short.apiUrl)).entries).toEqual([]);
    c.destroy();
  });

  test('IVSCHAT_HISTORY_HOURS=0 keeps no history: ListMessages lists nothing, nothing is written', async () => {
    off = await startInProcess({ IVSCHAT_HISTORY_HOURS: '0' });
    const c = ivschat(off.apiUrl);
    const { room, sender, wire } = await chatIn({}, c, off.wsUrl);
    await send(sender, wire, 'not kept');
    await c.send(new SendEventCommand({ roomIdentifier: room.arn, eventName: 'app:x' }));
    expect(await ext(off.apiUrl).listMessages({ roomIdentifier: room.arn, includeEvents: true })).toEqual({ messages: [] });
    expect(await historyItems(off.dynamodbEndpoint, room.id)).toEqual([]);
    c.destroy();
  });
});
