import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import {
  CreateLoggingConfigurationCommand,
  DeleteMessageCommand,
  DestinationConfiguration,
  DisconnectUserCommand,
  SendEventCommand,
  UpdateRoomCommand,
} from '@aws-sdk/client-ivschat';
import { RawClient, createRoom, mintToken, rawClient, sleep, waitFor } from '../../helpers/chat';
import { ACCOUNT, REGION } from '../../fixtures/aws';
import { ivschat, startInProcess, useLocalStack } from '../../helpers/local-stack';

const S3: DestinationConfiguration = { s3: { bucketName: 'chat-archive' } };
const LOGS: DestinationConfiguration = { cloudWatchLogs: { logGroupName: '/aws/ivs/chat' } };
const FIREHOSE: DestinationConfiguration = { firehose: { deliveryStreamName: 'chat-stream' } };

const dataDir = mkdtempSync(join(tmpdir(), 'ivschat-chat-logs-'));
// Its own process: what it prints at start and its error log lines are part of what is checked.
const { stack, client } = useLocalStack({ IVSCHAT_DATA_DIR: dataDir }, { spawn: true });
let arns: Record<'s3' | 'logs' | 'firehose', string>;
beforeAll(async () => {
  const make = async (destinationConfiguration: DestinationConfiguration) =>
    String((await client.send(new CreateLoggingConfigurationCommand({ destinationConfiguration }))).arn);
  arns = { s3: await make(S3), logs: await make(LOGS), firehose: await make(FIREHOSE) };
});

interface LogRecord {
  event_timestamp: string;
  type: 'MESSAGE' | 'EVENT';
  payload: Record<string, unknown>;
  version: string;
}

/** Every file under `dir` (relative paths, sorted: the time-ordered names sort in time order). */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

/** A logged room with a sender (raw socket, every capability) and a viewer (raw socket) in it. */
async function loggedRoom(loggingConfigurationIdentifiers: string[], maximumMessageRatePerSecond = 100) {
  const room = await createRoom(client, { loggingConfigurationIdentifiers, maximumMessageRatePerSecond });
  const join = async (userId: string) =>
    rawClient(
      stack.wsUrl,
      String((await mintToken(client, room.arn, { userId, capabilities: ['SEND_MESSAGE', 'DELETE_MESSAGE', 'DISCONNECT_USER'] })).token),
    );
  const [sender, viewer] = await Promise.all([join('sender'), join('viewer')]);
  return { room, sender, viewer };
}

/** The frames `viewer` got that go to the chat log (MESSAGE and EVENT), parsed, in order. */
const loggedFrames = (viewer: RawClient) => viewer.frames.filter((f) => f.Type === 'MESSAGE' || f.Type === 'EVENT');

test('the logs directory is <data dir>/logs, announced at start', () => {
  expect(stack.logsDir).toBe(join(dataDir, 'logs'));
  expect(stack.output()).toContain(`chat logs      under ${join(dataDir, 'logs')}, once a room with a logging configuration logs`);
});

test("messages and every kind of event are written to each destination as AWS's records, in order, in AWS's layout", async () => {
  const { room, sender, viewer } = await loggedRoom([arns.s3, arns.logs, arns.firehose]);
  sender.send({ Action: 'SEND_MESSAGE', RequestId: 'r-1', Content: 'hello', Attributes: { k: 'v' } });
  const message = await viewer.next((f) => f.Type === 'MESSAGE');
  await client.send(new SendEventCommand({ roomIdentifier: room.arn, eventName: 'app:poll', attributes: { q: '1' } }));
  sender.send({ Action: 'DELETE_MESSAGE', RequestId: 'r-2', Id: message.Id, Reason: 'spam' });
  await client.send(new DeleteMessageCommand({ roomIdentifier: room.arn, id: String(message.Id) }));
  await client.send(new DisconnectUserCommand({ roomIdentifier: room.arn, userId: 'nobody', reason: 'bye' }));
  sender.send({ Action: 'SEND_MESSAGE', RequestId: 'r-3', Content: 'x'.repeat(501) });
  await viewer.next((f) => f.EventName === 'aws:DISCONNECT_USER');
  const frames = loggedFrames(viewer);
  expect(frames.map((f) => f.EventName ?? f.Type)).toEqual([
    'MESSAGE',
    'app:poll',
    'aws:DELETE_MESSAGE',
    'aws:DELETE_MESSAGE',
    'aws:DISCONNECT_USER',
  ]);
  const expected = frames.map((payload) => ({
    event_timestamp: new Date(String(payload.SendTime)).toISOString(),
    type: payload.Type,
    payload,
    version: '1.0',
  }));

  const s3Dir = join(stack.logsDir, 's3', 'chat-archive');
  const s3Files = await waitFor('the S3 records', () => {
    const files = filesUnder(s3Dir).filter((f) => f.includes(`room_${room.id}`));
    return files.flatMap((f) => readFileSync(join(s3Dir, f), 'utf8').split('\n').filter(Boolean)).length === 5 ? files : undefined;
  });
  for (const file of s3Files) {
    expect(file).toMatch(
      new RegExp(
        `^AWSLogs/${ACCOUNT}/IVSChatLogs/1\\.0/${REGION}/room_${room.id}/\\d{4}/\\d{2}/\\d{2}/\\d{2}/${ACCOUNT}_IVSChatLogs_1\\.0_${REGION}_room_${room.id}_\\d{12}_local\\.log$`,
      ),
    );
  }
  const read = (dir: string, files: string[]) =>
    files.flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean)).map((line) => JSON.parse(line) as LogRecord);
  expect(read(s3Dir, s3Files)).toEqual(expected);

  // The log group's slashes are percent-encoded into one directory; the stream is AWS's room stream.
  const streamFile = join(stack.logsDir, 'cloudwatch', '%2Faws%2Fivs%2Fchat', 'aws', 'IVSChatLogs', '1.0', `room_${room.id}.log`);
  await waitFor('the CloudWatch records', () => existsSync(streamFile) && read(streamFile, ['']).length === 5);
  expect(read(streamFile, [''])).toEqual(expected);

  const firehoseDir = join(stack.logsDir, 'firehose', 'chat-stream');
  const ids = new Set(frames.map((f) => f.Id));
  const fromFirehose = () => read(firehoseDir, filesUnder(firehoseDir)).filter((r) => ids.has(r.payload.Id));
  await waitFor('the Firehose records', () => fromFirehose().length === 5);
  for (const file of filesUnder(firehoseDir)) expect(file).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\d{2}\/chat-stream\.log$/);
  expect(fromFirehose()).toEqual(expected);
});

test("1,000 messages at the room's rate: every one in every destination, in order, none missing", async () => {
  const { room, sender, viewer } = await loggedRoom([arns.s3, arns.logs, arns.firehose], 100);
  const total = 1_000;
  let sent = 0;
  let waiting: number[] = [];
  let requestNo = 0;
  while (sent < total) {
    // The room's rate is counted per wall-clock second: a burst of up to 100 right after a second starts.
    await sleep(1_000 - (Date.now() % 1_000) + 10);
    const burst = [...waiting, ...Array.from({ length: Math.min(100, total - sent) - waiting.length }, () => requestNo++)];
    const from = sender.frames.length;
    for (const n of burst) sender.send({ Action: 'SEND_MESSAGE', RequestId: `m-${n}`, Content: `message ${n}` });
    await waitFor(
      'the burst to be answered',
      () => sender.frames.slice(from).filter((f) => f.Type !== 'EVENT').length >= burst.length,
      5_000,
    );
    const answers = sender.frames.slice(from);
    const refused = new Set(answers.filter((f) => f.Type === 'ERROR' && f.ErrorCode === 429).map((f) => f.RequestId));
    expect(answers.filter((f) => f.Type === 'ERROR' && f.ErrorCode !== 429)).toEqual([]);
    waiting = burst.filter((n) => refused.has(`m-${n}`));
    sent += burst.length - waiting.length;
  }
  await waitFor('the viewer to get them all', () => viewer.frames.filter((f) => f.Type === 'MESSAGE').length === total, 5_000);
  const delivered = viewer.frames.filter((f) => f.Type === 'MESSAGE').map((f) => f.Id);
  expect(new Set(delivered).size).toBe(total);

  const idsIn = (dir: string, match: (file: string) => boolean) => {
    const files = filesUnder(dir).filter(match);
    return files
      .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean))
      .map((line) => (JSON.parse(line) as LogRecord).payload.Id)
      .filter((id) => delivered.includes(id));
  };
  const destinations = {
    s3: () => idsIn(join(stack.logsDir, 's3', 'chat-archive'), (f) => f.includes(`room_${room.id}`)),
    cloudwatch: () => idsIn(join(stack.logsDir, 'cloudwatch', '%2Faws%2Fivs%2Fchat'), (f) => f.endsWith(`room_${room.id}.log`)),
    firehose: () => idsIn(join(stack.logsDir, 'firehose', 'chat-stream'), () => true),
  };
  for (const [name, ids] of Object.entries(destinations)) {
    await waitFor(`${name} to hold ${total} records`, () => ids().length >= total, 10_000);
    expect(ids()).toEqual(delivered);
  }
}, 40_000);

test('a room without logging configurations, or one that drops them, logs nothing more', async () => {
  const { room, sender, viewer } = await loggedRoom([arns.s3]);
  sender.send({ Action: 'SEND_MESSAGE', RequestId: 'a', Content: 'logged' });
  await viewer.next((f) => f.Content === 'logged');
  await client.send(new UpdateRoomCommand({ identifier: room.arn, loggingConfigurationIdentifiers: [] }));
  sender.send({ Action: 'SEND_MESSAGE', RequestId: 'b', Content: 'not logged' });
  await viewer.next((f) => f.Content === 'not logged');
  const unlogged = await loggedRoom([]);
  unlogged.sender.send({ Action: 'SEND_MESSAGE', RequestId: 'c', Content: 'never logged' });
  await unlogged.viewer.next((f) => f.Content === 'never logged');

  const s3Dir = join(stack.logsDir, 's3', 'chat-archive');
  const contents = () =>
    filesUnder(s3Dir)
      .filter((f) => f.includes(`room_${room.id}`) || f.includes(`room_${unlogged.room.id}`))
      .flatMap((f) => readFileSync(join(s3Dir, f), 'utf8').split('\n').filter(Boolean))
      .map((line) => (JSON.parse(line) as LogRecord).payload.Content);
  await waitFor('the logged message', () => contents().length > 0);
  // A marker through another room with logging, sent last, shows the queue has moved past both.
  const marker = await loggedRoom([arns.s3]);
  marker.sender.send({ Action: 'SEND_MESSAGE', RequestId: 'd', Content: 'marker' });
  await waitFor('the marker record', () => filesUnder(s3Dir).some((f) => f.includes(`room_${marker.room.id}`)));
  expect(contents()).toEqual(['logged']);
});

test('a destination that fails is retried, then logged and given up; delivery and the other destinations go on', async () => {
  // A file where the stream's directory should be: every write to that destination fails.
  mkdirSync(join(stack.logsDir, 'firehose'), { recursive: true });
  writeFileSync(join(stack.logsDir, 'firehose', 'broken-stream'), 'not a directory');
  const broken = String(
    (
      await client.send(
        new CreateLoggingConfigurationCommand({ destinationConfiguration: { firehose: { deliveryStreamName: 'broken-stream' } } }),
      )
    ).arn,
  );
  const { room, sender, viewer } = await loggedRoom([broken, arns.logs]);
  const started = Date.now();
  sender.send({ Action: 'SEND_MESSAGE', RequestId: 'x', Content: 'still delivered' });
  await viewer.next((f) => f.Content === 'still delivered');
  await sender.next((f) => f.Content === 'still delivered');
  expect(Date.now() - started).toBeLessThan(500);
  const streamFile = join(stack.logsDir, 'cloudwatch', '%2Faws%2Fivs%2Fchat', 'aws', 'IVSChatLogs', '1.0', `room_${room.id}.log`);
  await waitFor('the CloudWatch record', () => existsSync(streamFile));
  const dropped = await waitFor('the error log line', () =>
    stack
      .output()
      .split('\n')
      .find((line) => line.includes('chat log records dropped after retries') && line.includes('firehose:broken-stream')),
  );
  expect(JSON.parse(dropped)).toMatchObject({ level: 'ERROR', destination: 'firehose:broken-stream', records: 1, attempts: 4 });
  expect(dropped).not.toContain('still delivered');
});

test('in memory, chat logs go to a temporary directory announced at start, made on the first log (this user only), kept after stop', async () => {
  const memory = await startInProcess();
  const memoryClient = ivschat(memory.apiUrl);
  try {
    expect(memory.logsDir.startsWith(tmpdir())).toBe(true);
    const arn = String((await memoryClient.send(new CreateLoggingConfigurationCommand({ destinationConfiguration: S3 }))).arn);
    const room = await createRoom(memoryClient, { loggingConfigurationIdentifiers: [arn] });
    // Nothing has logged yet: no directory (a start whose rooms never log leaves none behind).
    expect(existsSync(memory.logsDir)).toBe(false);
    await memoryClient.send(new SendEventCommand({ roomIdentifier: room.arn, eventName: 'app:hello' }));
  } finally {
    memoryClient.destroy();
    await memory.stop();
  }
  expect(statSync(memory.logsDir).mode & 0o777).toBe(0o700);
  // Written (flushed on stop) and still there.
  const files = filesUnder(join(memory.logsDir, 's3', 'chat-archive'));
  expect(files).toHaveLength(1);
  expect(JSON.parse(readFileSync(join(memory.logsDir, 's3', 'chat-archive', files[0] as string), 'utf8'))).toMatchObject({
    type: 'EVENT',
    payload: { EventName: 'app:hello' },
  });
});
