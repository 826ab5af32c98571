import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SendMessageRequest } from 'amazon-ivs-chat-messaging';
import { SendEventCommand, UpdateRoomCommand } from '@aws-sdk/client-ivschat';
import { ChatClient, chatClient, createRoom, refusal, waitFor } from '../../helpers/chat';
import { ACCOUNT, REGION } from '../../fixtures/aws';
import { useLocalStack } from '../../helpers/local-stack';

const fn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
const PROFANITY = fn('profanity');

/** Handlers for the failure cases, written next to the IVSCHAT_LAMBDAS_FILE that names them by relative path. */
const HANDLERS: Record<string, string> = {
  'throws.mjs': `export const handler = async () => { throw new Error('review handler exploded'); };`,
  'sleeps.mjs': `export const handler = async () => { await new Promise((r) => setTimeout(r, 300)); return { ReviewResult: 'DENY' }; };`,
  'garbage.mjs': `export const handler = async () => 'looks fine to me';`,
  // Answers with the event it got as the content, so a test can read what the handler was sent.
  'echo.mjs': `export const handler = async (event) => ({ ReviewResult: 'ALLOW', Content: JSON.stringify(event), Attributes: { reviewed: 'yes' } });`,
};

/** The handlers' files and the IVSCHAT_LAMBDAS_FILE naming them. */
function lambdasFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ivschat-lambdas-'));
  for (const [name, source] of Object.entries(HANDLERS)) writeFileSync(join(dir, name), source);
  const lambdasFile = join(dir, 'lambdas.json');
  writeFileSync(
    lambdasFile,
    JSON.stringify({
      [PROFANITY]: resolve(__dirname, '../../../examples/profanity.mjs'),
      [fn('throws')]: './throws.mjs',
      [fn('sleeps')]: './sleeps.mjs',
      [fn('garbage')]: './garbage.mjs',
      [fn('echo')]: './echo.mjs',
    }),
  );
  return lambdasFile;
}

// Its own process: the handlers are loaded as ES modules, and the fallback's log lines are part of what is checked.
const { stack, client } = useLocalStack(() => ({ IVSCHAT_LAMBDAS_FILE: lambdasFile() }), { spawn: true });

/** A room with `handler`, a sender and a viewer in it. */
async function roomWith(handler?: { uri: string; fallbackResult?: 'ALLOW' | 'DENY' }) {
  const room = await createRoom(client, { ...(handler ? { messageReviewHandler: handler } : {}) });
  const join = (userId: string, capabilities: 'SEND_MESSAGE'[] = []) =>
    chatClient({
      wsUrl: stack.wsUrl,
      client,
      roomArn: room.arn,
      token: { userId, capabilities, attributes: { displayName: userId.toUpperCase() } },
    });
  const [sender, viewer] = await Promise.all([join('sender', ['SEND_MESSAGE']), join('viewer')]);
  return { room, sender, viewer };
}

/**
 * Asserts that the refused message never reached `viewer`: an event sent afterwards (events are not
 * reviewed) arrives, and no message came before it.
 */
async function expectNothingDelivered(room: { arn: string }, viewer: ChatClient) {
  const before = viewer.messages.length;
  const { id } = await client.send(new SendEventCommand({ roomIdentifier: room.arn, eventName: 'marker' }));
  await waitFor('the marker event', () => viewer.events.some((e) => e.id === id));
  expect(viewer.messages.length).toBe(before);
}

describe('the example profanity handler', () => {
  let room: { arn: string };
  let sender: ChatClient;
  let viewer: ChatClient;
  beforeAll(async () => {
    ({ room, sender, viewer } = await roomWith({ uri: PROFANITY, fallbackResult: 'DENY' }));
  });

  test('masks listed words for everybody, the sender included, and marks the message', async () => {
    const sent = await sender.room.sendMessage(new SendMessageRequest('oh darn it, what the h3ck', { lang: 'en' }));
    expect(sent.content).toBe('oh **** it, what the ****');
    expect(sent.attributes).toEqual({ lang: 'en', moderation: 'masked' });
    const seen = await waitFor('the viewer to get it', () => viewer.messages.find((m) => m.id === sent.id));
    expect(seen.content).toBe('oh **** it, what the ****');
  });

  test('lets a clean message through unchanged', async () => {
    const sent = await sender.room.sendMessage(new SendMessageRequest('good morning', { lang: 'en' }));
    expect(sent.content).toBe('good morning');
    expect(sent.attributes).toEqual({ lang: 'en' });
  });

  test("denies a message with a deny word: ERROR 406 with the handler's reason, nothing delivered", async () => {
    const request = new SendMessageRequest('this has forbiddenword in it');
    const error = await refusal(sender.room.sendMessage(request));
    expect(error).toEqual({
      id: expect.stringMatching(/^[a-zA-Z0-9]{12}$/),
      errorCode: 406,
      errorMessage: 'The message contains a word that is not allowed here',
      requestId: request.requestId,
    });
    await expectNothingDelivered(room, viewer);
  });

  test('denies a message that is mostly profanity', async () => {
    const error = await refusal(sender.room.sendMessage(new SendMessageRequest('DARN heck')));
    expect(error).toMatchObject({ errorCode: 406, errorMessage: 'The message is mostly profanity' });
    await expectNothingDelivered(room, viewer);
  });
});

test('the handler gets the AWS event: Content, MessageId, RoomArn, Attributes and Sender with the client IP', async () => {
  const { room, sender, viewer } = await roomWith({ uri: fn('echo') });
  const sent = await sender.room.sendMessage(new SendMessageRequest('hi', { k: 'v' }));
  expect(JSON.parse(sent.content)).toEqual({
    Content: 'hi',
    MessageId: sent.id,
    RoomArn: room.arn,
    Attributes: { k: 'v' },
    Sender: { UserId: 'sender', Attributes: { displayName: 'SENDER' }, Ip: expect.stringMatching(/127\.0\.0\.1$/) },
  });
  expect(sent.attributes).toEqual({ reviewed: 'yes' });
  await waitFor('the viewer to get the reviewed message', () =>
    viewer.messages.some((m) => m.id === sent.id && m.attributes?.reviewed === 'yes'),
  );
});

describe.each([
  ['throws', fn('throws')],
  ['sleeps 300 ms', fn('sleeps')],
  ['answers garbage', fn('garbage')],
  ['is not in IVSCHAT_LAMBDAS_FILE', fn('nowhere')],
])('a handler that %s', (_label, uri) => {
  test('with fallbackResult ALLOW: the message is delivered as sent', async () => {
    const { sender, viewer } = await roomWith({ uri, fallbackResult: 'ALLOW' });
    const started = Date.now();
    const sent = await sender.room.sendMessage(new SendMessageRequest('darn, still here', { k: 'v' }));
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(sent.content).toBe('darn, still here');
    expect(sent.attributes).toEqual({ k: 'v' });
    await waitFor('the viewer to get it', () => viewer.messages.some((m) => m.id === sent.id));
  });

  test('with fallbackResult DENY: ERROR 406, nothing delivered', async () => {
    const { room, sender, viewer } = await roomWith({ uri, fallbackResult: 'DENY' });
    const request = new SendMessageRequest('hello');
    expect(await refusal(sender.room.sendMessage(request))).toMatchObject({ errorCode: 406, requestId: request.requestId });
    await expectNothingDelivered(room, viewer);
  });
});

test('a failing handler is logged without the message, and the sleeping one was given up on at 200 ms', async () => {
  const { sender } = await roomWith({ uri: fn('sleeps'), fallbackResult: 'ALLOW' });
  const started = Date.now();
  await sender.room.sendMessage(new SendMessageRequest('secret words'));
  const took = Date.now() - started;
  expect(took).toBeGreaterThanOrEqual(200);
  expect(took).toBeLessThan(300);
  await waitFor('the fallback log line', () => stack.output().includes('no answer within 200 ms'));
  const lines = stack
    .output()
    .split('\n')
    .filter((line) => line.includes('message review handler failed'));
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) expect(line).not.toContain('secret words');
  expect(JSON.parse(lines.find((l) => l.includes(fn('sleeps'))) as string)).toMatchObject({
    level: 'WARN',
    functionArn: fn('sleeps'),
    fallbackResult: 'ALLOW',
    reason: 'no answer within 200 ms',
  });
});

test('UpdateRoom can remove the handler: messages are no longer reviewed', async () => {
  const { room, sender } = await roomWith({ uri: PROFANITY });
  expect((await sender.room.sendMessage(new SendMessageRequest('darn it'))).content).toBe('**** it');
  await client.send(new UpdateRoomCommand({ identifier: room.arn, messageReviewHandler: { uri: '' } }));
  expect((await sender.room.sendMessage(new SendMessageRequest('darn it'))).content).toBe('darn it');
});
