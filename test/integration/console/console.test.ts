import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  CreateLoggingConfigurationCommand,
  CreateRoomCommand,
  DeleteRoomCommand,
  GetRoomCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-ivschat';
import type { Browser, Locator, Page } from 'playwright-core';
import { launchChromium, openPage } from '../../helpers/browser';
import { createRoom, waitFor } from '../../helpers/chat';
import { rawRequest } from '../../helpers/raw-http';
import { LocalProcess, ivschat, startLocal } from '../../helpers/local-stack';

/** Where the screenshots of the main screens go; docs/ holds the committed copies (see README). */
const SHOTS = resolve(__dirname, '../../../test-output/console');
/** Browser steps wait this long for the page: generous, the machine's cores are shared. */
const STEP_MS = 20_000;

let stack: LocalProcess;
let browser: Browser;
beforeAll(async () => {
  [stack, browser] = await Promise.all([startLocal(), launchChromium()]);
  mkdirSync(SHOTS, { recursive: true });
}, 60_000);
afterAll(async () => {
  // A stack that died under the page is the finding: show how it ended.
  if (stack && (stack.process.exitCode !== null || stack.process.signalCode !== null))
    console.error(`local stack exited:\n${stack.output().slice(-4000)}`);
  await browser?.close();
  await stack?.stop();
});

const consoleUrl = (hash = '') => `${stack.apiUrl}/console/${hash}`;
/** Waits for `locator`; a timeout says what the page showed in its error banner and status line. */
async function see(locator: Locator, timeout = STEP_MS): Promise<void> {
  try {
    await locator.waitFor({ timeout });
  } catch (err) {
    const page = locator.page();
    const shown = async (id: string) => ((await page.getByTestId(id).count()) ? (await page.getByTestId(id).innerText()).trim() : '');
    throw new Error(
      `${(err as Error).message.split('\n')[0]}\n  error banner: ${await shown('error-banner')}\n  status: ${await shown('connection-status')}`,
    );
  }
}

const message = (page: Page, text: string) => page.getByTestId('message-list').getByTestId('message-item').filter({ hasText: text });
/** The page's count of users in the room reads exactly `n`. */
const presenceIs = (page: Page, n: number) => see(page.getByTestId('presence-count').filter({ hasText: new RegExp(`^${n}$`) }));

async function joinAs(page: Page, userId: string, capabilities: string[], expectStatus = `Connected as ${userId}`): Promise<void> {
  await page.getByTestId('join-user-input').fill(userId);
  for (const c of ['SEND_MESSAGE', 'DELETE_MESSAGE', 'DISCONNECT_USER'])
    await page.getByTestId(`capability-${c}`).setChecked(capabilities.includes(c));
  await page.getByTestId('join-button').click();
  await see(page.getByTestId('connection-status').filter({ hasText: expectStatus }));
}

async function say(page: Page, text: string): Promise<void> {
  await page.getByTestId('message-input').fill(text);
  await page.getByTestId('send-button').click();
}

test('the unsigned routes are the readiness check and the console; everything else still needs a signature', async () => {
  const health = await fetch(`${stack.apiUrl}/health`);
  expect(health.status).toBe(200);
  expect(await health.json()).toEqual({ status: 'ok' });
  const ping = await fetch(`${stack.apiUrl}/ping`);
  expect([ping.status, await ping.json()]).toEqual([200, { status: 'ok' }]);

  const config = await fetch(`${stack.apiUrl}/console/config.json`);
  expect(await config.json()).toEqual({ region: 'us-east-1', wsUrl: stack.wsUrl, mode: 'local' });

  const page = await fetch(consoleUrl());
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
  const script = await fetch(`${stack.apiUrl}/console/app.js`);
  expect(script.status).toBe(200);
  expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
  expect((await script.text()).length).toBeGreaterThan(10_000);

  expect((await fetch(`${stack.apiUrl}/console`, { redirect: 'manual' })).headers.get('location')).toBe('/console/');
  // Only the listed files: no path reaches the file system.
  for (const path of ['/console/../package.json', '/console/%2e%2e/package.json', '/console/src/main.ts', '/console/index.html/']) {
    expect((await rawRequest(stack.apiUrl, { method: 'GET', path })).status).toBe(404);
  }
  // Other methods on these paths, and every other path, go to SigV4 routing as before.
  const unsignedPost = await fetch(`${stack.apiUrl}/health`, { method: 'POST' });
  expect(unsignedPost.status).toBe(403);
  expect(unsignedPost.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
  expect((await fetch(`${stack.apiUrl}/ListRooms`, { method: 'POST', body: '{}' })).status).toBe(403);
  const withBody = await rawRequest(stack.apiUrl, { method: 'GET', path: '/health', body: 'x'.repeat(1000) });
  expect([withBody.status, withBody.headers['x-amzn-errortype']]).toEqual([403, 'MissingAuthenticationTokenException']);
}, 30_000);

test('two users in two tabs chat, moderate and see it, with history, presence and bans; a viewer gets a plain 403', async () => {
  const a = await openPage(browser, consoleUrl());
  // A page load logs nothing: no console error, no uncaught exception.
  await see(a.page.getByTestId('room-list').locator('li').first());
  expect(a.problems).toEqual([]);
  await a.page.getByTestId('room-name-input').fill('console-lobby');
  await a.page.getByTestId('create-room-button').click();
  const item = a.page.getByTestId('room-list').getByTestId('room-item').filter({ hasText: 'console-lobby' });
  await see(item);
  const arn = (await item.getAttribute('data-room-arn')) as string;
  expect(arn).toMatch(/^arn:aws:ivschat:us-east-1:000000000000:room\//);
  await presenceIs(a.page, 0);

  const b = await openPage(browser, consoleUrl(`#room=${encodeURIComponent(arn)}`));
  // Alice joins by keyboard alone: Enter in the form joins, and the composer then has the focus.
  await a.page.getByTestId('join-user-input').fill('alice');
  for (const c of ['DELETE_MESSAGE', 'DISCONNECT_USER']) await a.page.getByTestId(`capability-${c}`).check();
  await a.page.getByTestId('join-user-input').press('Enter');
  await see(a.page.getByTestId('connection-status').filter({ hasText: 'Connected as alice' }));
  expect(await a.page.evaluate('document.activeElement?.dataset.testid')).toBe('message-input');
  await presenceIs(a.page, 1);
  await joinAs(b.page, 'bob', ['SEND_MESSAGE']);
  await presenceIs(b.page, 2);

  await a.page.getByTestId('message-input').fill('hello from alice');
  await a.page.getByTestId('message-input').press('Enter');
  await say(b.page, 'hi alice, bob here');
  for (const { page } of [a, b]) {
    await see(message(page, 'hello from alice').filter({ hasText: 'alice' }));
    await see(message(page, 'hi alice, bob here').filter({ hasText: 'bob' }));
  }
  // Bob spoke, so Alice's tab looked again: two users, each listed.
  await presenceIs(a.page, 2);
  expect(await a.page.getByTestId('presence-user').evaluateAll((els) => els.map((e) => e.getAttribute('data-user-id')))).toEqual([
    'alice',
    'bob',
  ]);

  // Attributes on demand: a message with attributes shows them in a disclosure.
  await a.page.getByText('Message attributes').click();
  await a.page.getByLabel('Attributes', { exact: true }).fill('color=blue');
  await say(a.page, 'with attributes');
  const withAttributes = message(b.page, 'with attributes');
  await see(withAttributes);
  await withAttributes.getByText('Attributes (1)').click();
  await see(withAttributes.getByText('color=blue'));

  // Alice deletes Bob's message through her socket: struck out in both tabs.
  await message(a.page, 'hi alice, bob here').getByTestId('delete-message-button').click();
  for (const { page } of [a, b]) {
    await see(message(page, 'hi alice, bob here').locator('del'));
    expect(await message(page, 'hi alice, bob here').getAttribute('data-deleted')).toBe('true');
  }

  // An event sent through the control plane shows inline in both.
  await a.page.getByText('Moderation (control plane)').click();
  await a.page.getByTestId('event-name-input').fill('app:intermission');
  await a.page.getByTestId('send-event-button').click();
  for (const { page } of [a, b]) await see(page.getByTestId('event-item').filter({ hasText: 'app:intermission' }));
  await a.page.getByText('Moderation (control plane)').click();
  await a.page.screenshot({ path: join(SHOTS, 'desktop-chat.png'), fullPage: true });

  // Content is text, never markup.
  await say(b.page, '<img src=x onerror="document.title=1"><b>bold?</b>');
  const markup = message(a.page, 'bold?');
  await see(markup);
  expect(await markup.locator('.content').innerText()).toBe('<img src=x onerror="document.title=1"><b>bold?</b>');
  expect(await markup.locator('img, b').count()).toBe(0);

  // Deleting by id through the control plane (DeleteMessage) strikes it out too.
  const id = (await message(a.page, 'with attributes').getAttribute('data-message-id')) as string;
  await a.page.getByText('Moderation (control plane)').click();
  await a.page.getByLabel('Message id').fill(id);
  await a.page.getByRole('button', { name: 'Delete message', exact: true }).click();
  for (const { page } of [a, b]) await see(message(page, 'with attributes').locator('del'));

  // Bob tries to delete Alice's message without DELETE_MESSAGE: the server's 403, plainly.
  await message(b.page, 'hello from alice').getByTestId('delete-message-button').click();
  await see(b.page.getByTestId('error-banner').filter({ hasText: '403' }));

  // Alice disconnects Bob: both see it, Bob's tab says why and offers to join again; he is gone from presence.
  await say(b.page, 'still here');
  await message(a.page, 'still here').getByTestId('disconnect-user-button').click();
  await see(a.page.getByTestId('notice-item').filter({ hasText: 'bob was disconnected' }));
  await see(b.page.getByTestId('connection-status').filter({ hasText: 'You were disconnected by a moderator' }));
  await b.page.getByTestId('join-button').waitFor({ state: 'visible', timeout: STEP_MS });
  await presenceIs(a.page, 1);

  // A third tab joins later as a viewer (no capabilities): the history is there (the deleted
  // messages are not), in order, and sending gets the server's 403 in the banner.
  const c = await openPage(browser, consoleUrl(`#room=${encodeURIComponent(arn)}`));
  await joinAs(c.page, 'viewer', []);
  await see(message(c.page, 'still here'));
  expect(await c.page.getByTestId('message-item').evaluateAll((els) => els.map((e) => e.querySelector('.content')?.textContent))).toEqual([
    'hello from alice',
    '<img src=x onerror="document.title=1"><b>bold?</b>',
    'still here',
  ]);
  expect(await message(c.page, 'hello from alice').getAttribute('class')).toContain('from-history');
  await see(c.page.getByTestId('event-item').filter({ hasText: 'app:intermission' }));
  await presenceIs(c.page, 2);
  await say(c.page, 'can I talk?');
  await see(c.page.getByTestId('error-banner').filter({ hasText: '403' }));
  expect(await c.page.getByTestId('error-banner').innerText()).toMatch(/Sending a message: 403/);
  await c.page.setViewportSize({ width: 375, height: 800 });
  // Readable at 375 px: nothing wider than the screen, so no sideways scrolling.
  expect(await c.page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
  await c.page.screenshot({ path: join(SHOTS, 'mobile-chat.png'), fullPage: true });
  expect(await message(a.page, 'can I talk?').count()).toBe(0);
  expect([...a.problems, ...b.problems, ...c.problems]).toEqual([]);

  // Alice's tab sees the viewer at its next look; a keyboard user's focus in the list survives it.
  await a.page.getByRole('button', { name: 'Ban alice' }).focus();
  await presenceIs(a.page, 2);
  expect(await a.page.evaluate('document.activeElement?.getAttribute("aria-label")')).toBe('Ban alice');

  // Bans: Alice bans the viewer from the presence list (disconnected at once) and Bob from the form
  // (no token for him now: CreateChatToken's 403 says so); the list shows both; unbanning lets Bob back in.
  await a.page.getByRole('button', { name: 'Ban viewer' }).click();
  await see(c.page.getByTestId('connection-status').filter({ hasText: 'You were disconnected by a moderator: banned in the console' }));
  await a.page.getByTestId('ban-user-input').fill('bob');
  await a.page.getByRole('form', { name: 'Ban a user' }).getByLabel('Reason').fill('spam');
  await a.page.getByTestId('ban-button').click();
  const bans = a.page.getByTestId('ban-list').getByTestId('ban-item');
  await see(bans.filter({ hasText: 'bob' }).filter({ hasText: 'spam' }));
  expect(await bans.evaluateAll((els) => els.map((e) => e.getAttribute('data-user-id')))).toEqual(['bob', 'viewer']);
  await presenceIs(a.page, 1);
  await joinAs(b.page, 'bob', ['SEND_MESSAGE'], 'Could not get a chat token');
  await see(b.page.getByTestId('error-banner').filter({ hasText: '403 AccessDeniedException' }).filter({ hasText: 'banned' }));
  await a.page.screenshot({ path: join(SHOTS, 'desktop-moderation.png'), fullPage: true });
  await bans.filter({ hasText: 'bob' }).getByTestId('unban-button').click();
  await bans.filter({ hasText: 'bob' }).waitFor({ state: 'detached', timeout: STEP_MS });
  await joinAs(b.page, 'bob', ['SEND_MESSAGE']);
  await presenceIs(a.page, 2);

  // The room is deleted meanwhile: joining again gets CreateChatToken's 404, and no endless retries.
  const client = ivschat(stack.apiUrl);
  await client.send(new DeleteRoomCommand({ identifier: arn }));
  client.destroy();
  await b.page.getByRole('button', { name: 'Leave' }).click();
  await joinAs(b.page, 'late', ['SEND_MESSAGE'], 'Could not get a chat token');
  await see(b.page.getByTestId('error-banner').filter({ hasText: 'Getting a chat token: 404 ResourceNotFoundException' }));
  expect(await b.page.getByTestId('join-button').isVisible()).toBe(true);
  await Promise.all([a.context.close(), b.context.close(), c.context.close()]);
}, 90_000);

test('rooms: pages newest first, exact-name filter, create with settings and tags, edit, tag, delete', async () => {
  const client = ivschat(stack.apiUrl);
  const prefix = `pg${Date.now().toString(36)}`;
  for (let i = 0; i < 11; i += 1) await client.send(new CreateRoomCommand({ name: `${prefix}-${i}` }));
  const logging = await client.send(
    new CreateLoggingConfigurationCommand({ name: `${prefix}-logs`, destinationConfiguration: { s3: { bucketName: 'console-logs' } } }),
  );
  const { page, context, problems } = await openPage(browser, consoleUrl());
  const roomItems = page.getByTestId('room-item');
  const names = async () => roomItems.locator('.room-name').allInnerTexts();

  await see(roomItems.first().filter({ hasText: `${prefix}-10` }));
  expect((await names()).slice(0, 10)).toEqual(Array.from({ length: 10 }, (_, i) => `${prefix}-${10 - i}`));
  await page.screenshot({ path: join(SHOTS, 'desktop-rooms.png'), fullPage: true });
  // Readable at 375 px too: the list and its forms fit the screen (the room view is checked above).
  await page.setViewportSize({ width: 375, height: 800 });
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.getByRole('button', { name: 'Older' }).click();
  await see(roomItems.first().filter({ hasText: `${prefix}-0` }));
  await page.getByRole('button', { name: 'Newer' }).click();
  await see(roomItems.first().filter({ hasText: `${prefix}-10` }));

  await page.getByTestId('room-filter-input').fill(`${prefix}-3`);
  await page.getByTestId('room-filter-input').press('Enter');
  await waitFor('the filtered list', async () => (await names()).join() === `${prefix}-3`, STEP_MS);

  // Create with every setting behind "More settings".
  await page.getByTestId('room-name-input').fill(`${prefix}-full`);
  await page.getByText('More settings').click();
  await page.getByLabel('Messages per second').fill('7');
  await page.getByLabel('Message length').fill('120');
  await page.getByLabel('Tags').fill('team=support\nstage=beta');
  await page.getByLabel(`${prefix}-logs`).check();
  await page.getByTestId('create-room-button').click();
  await see(page.getByRole('heading', { name: `${prefix}-full` }));
  const arn = decodeURIComponent(new URL(page.url()).hash.replace('#room=', ''));
  let room = await client.send(new GetRoomCommand({ identifier: arn }));
  expect(room).toMatchObject({
    name: `${prefix}-full`,
    maximumMessageRatePerSecond: 7,
    maximumMessageLength: 120,
    tags: { team: 'support', stage: 'beta' },
    loggingConfigurationIdentifiers: [logging.arn],
  });
  // Every form control has a label (or an aria-label), with every form of the room view on the page.
  const unlabelled = await page.evaluate(
    `[...document.querySelectorAll('input, select, textarea')].filter((e) => !e.labels.length && !e.getAttribute('aria-label')).map((e) => e.outerHTML)`,
  );
  expect(unlabelled).toEqual([]);
  // The heading takes focus when a room opens, for keyboard and screen-reader users.
  expect(await page.evaluate('document.activeElement?.id')).toBe('room-heading');
  await page.screenshot({ path: join(SHOTS, 'desktop-room.png'), fullPage: true });

  // A bad value gets the service's 400 in the banner.
  await page.getByText('Edit room').click();
  const edit = page.locator('#edit-form');
  await edit.getByLabel('Messages per second').fill('');
  await edit.getByLabel('Lambda function ARN').fill('not-an-arn');
  await edit.getByRole('button', { name: 'Save changes' }).click();
  await see(page.getByTestId('error-banner').filter({ hasText: '400 ValidationException' }));
  await edit.getByLabel('Lambda function ARN').fill('');
  await edit.getByLabel('Name').fill(`${prefix}-renamed`);
  await edit.getByLabel('Message length').fill('99');
  await edit.getByRole('button', { name: 'Save changes' }).click();
  await see(page.getByRole('heading', { name: `${prefix}-renamed` }));
  expect(await page.getByTestId('error-banner').isHidden()).toBe(true);
  room = await client.send(new GetRoomCommand({ identifier: arn }));
  expect(room).toMatchObject({ name: `${prefix}-renamed`, maximumMessageLength: 99, maximumMessageRatePerSecond: 7 });

  await page.getByLabel('Key', { exact: true }).fill('owner');
  await page.getByLabel('Value', { exact: true }).fill('ada');
  await page.getByRole('button', { name: 'Add tag' }).click();
  await see(page.getByText('owner=ada'));
  await page.getByRole('button', { name: 'Remove tag stage' }).click();
  await page.getByRole('button', { name: 'Remove tag stage' }).waitFor({ state: 'detached', timeout: STEP_MS });
  expect((await client.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toEqual({ team: 'support', owner: 'ada' });

  await page.getByTestId('delete-room-button').click();
  await page.getByTestId('delete-room-button').click();
  await see(page.getByText('Pick a room from the list'));
  await expect(client.send(new GetRoomCommand({ identifier: arn }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  // The only console error: the browser's own line for the deliberate 400 above.
  expect(problems.filter((p) => !/status of 400/.test(p))).toEqual([]);
  client.destroy();
  await context.close();
}, 90_000);

test("the connection form: wrong keys get the gateway's 403 as sent; signing for execute-api works too", async () => {
  const { page, context, problems } = await openPage(browser, consoleUrl());
  await page.getByText('Connection', { exact: true }).click();
  await page.getByLabel('Secret access key').fill('not-the-secret');
  await page.getByRole('button', { name: 'Use this connection' }).click();
  await see(page.getByTestId('error-banner').filter({ hasText: '403 InvalidSignatureException' }));

  await page.getByLabel('Secret access key').fill('test');
  await page.getByLabel('Sign for').selectOption('execute-api');
  await page.getByRole('button', { name: 'Use this connection' }).click();
  await page.getByTestId('room-name-input').fill('signed-as-execute-api');
  await page.getByTestId('create-room-button').click();
  await see(page.getByRole('heading', { name: 'signed-as-execute-api' }));
  expect(await page.getByTestId('error-banner').isHidden()).toBe(true);
  // The browser's own line for the refused request is the only console error.
  expect(problems.filter((p) => !/status of 403/.test(p))).toEqual([]);
  await context.close();
}, 60_000);

test('the live view reconnects by itself when npm start restarts (data kept in IVSCHAT_DATA_DIR)', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ivschat-console-'));
  let own = await startLocal({ IVSCHAT_DATA_DIR: dataDir });
  try {
    const ports = { IVSCHAT_API_PORT: new URL(own.apiUrl).port, IVSCHAT_WS_PORT: new URL(own.wsUrl).port };
    const { arn } = await createRoom(ivschat(own.apiUrl), { name: 'survives-restarts' });
    const { page, context, problems } = await openPage(browser, `${own.apiUrl}/console/#room=${encodeURIComponent(arn)}`);
    await joinAs(page, 'ada', ['SEND_MESSAGE']);
    await say(page, 'before the restart');
    await see(message(page, 'before the restart'));

    expect(await own.stop()).toBe(0);
    await see(page.getByTestId('connection-status').filter({ hasText: 'reconnecting' }));
    own = await startLocal({ IVSCHAT_DATA_DIR: dataDir, ...ports });
    await see(page.getByTestId('connection-status').filter({ hasText: 'Connected as ada' }), 30_000);
    // The history the page fetched again on reconnecting held nothing new; presence is back.
    await presenceIs(page, 1);
    await say(page, 'after the restart');
    await see(message(page, 'after the restart'));
    expect(await page.getByTestId('message-item').count()).toBe(2);
    // The page's own signed calls work again too, and the outage left nothing in the error banner.
    expect(await page.getByTestId('error-banner').isHidden()).toBe(true);
    await page.getByTestId('room-name-input').fill('made-after-the-restart');
    await page.getByTestId('create-room-button').click();
    await see(page.getByTestId('room-list').getByTestId('room-item').filter({ hasText: 'made-after-the-restart' }));
    // Nothing the page did itself logged an error; the browser's own lines for refused connections are expected.
    expect(problems.filter((p) => !/ERR_CONNECTION_REFUSED|WebSocket connection to/.test(p))).toEqual([]);
    await context.close();
  } finally {
    await own.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 90_000);
