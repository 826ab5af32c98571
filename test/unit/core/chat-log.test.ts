import { ChatLogOptions, createChatLog } from '../../../lambdas/core/chat-log';
import { messageFrame } from '../../../lambdas/domain/messaging';
import type { DestinationConfiguration, LoggingConfiguration } from '../../../lambdas/domain/logging-configuration';
import type { Room } from '../../../lambdas/domain/room';
import type { ChatLogEntry } from '../../../lambdas/domain/chat-log';

const ARN = (id: string) => `arn:aws:ivschat:us-east-1:000000000000:logging-configuration/${id}`;
const configuration = (id: string, destinationConfiguration: DestinationConfiguration): LoggingConfiguration => ({
  id,
  arn: ARN(id),
  name: '',
  createTime: '2024-01-01T00:00:00.000Z',
  updateTime: '2024-01-01T00:00:00.000Z',
  destinationConfiguration,
  state: 'ACTIVE',
  tags: {},
});
const S3 = configuration('s3config0001', { s3: { bucketName: 'b' } });
const LOGS = configuration('logsconfig01', { cloudWatchLogs: { logGroupName: 'g' } });
const SAME_S3 = configuration('s3config0002', { s3: { bucketName: 'b' } });
const room = (id: string, configurations: LoggingConfiguration[]): Room => ({
  id,
  arn: `arn:aws:ivschat:us-east-1:000000000000:room/${id}`,
  name: '',
  createTime: '2024-01-01T00:00:00.000Z',
  updateTime: '2024-01-01T00:00:00.000Z',
  maximumMessageRatePerSecond: 10,
  maximumMessageLength: 500,
  loggingConfigurationIdentifiers: configurations.map((c) => c.arn),
  tags: {},
});
const frame = (n: number) =>
  messageFrame({
    id: `message${String(n).padStart(5, '0')}`,
    content: `m${n}`,
    sendTime: new Date(Date.UTC(2024, 0, 1, 0, 0, 0, n)).toISOString(),
    sender: { userId: 'u', attributes: {} },
  });
const contents = (entries: ChatLogEntry[]) =>
  entries.map((e) => (JSON.parse(e.record.line) as { payload: { Content: string } }).payload.Content);

/** A chat log over a fake writer that records every call and fails as told. */
function setup(options: Partial<ChatLogOptions> & { failures?: (destination: DestinationConfiguration, call: number) => boolean } = {}) {
  const writes: { destination: DestinationConfiguration; entries: ChatLogEntry[] }[] = [];
  const reads: string[][] = [];
  let calls = 0;
  const chatLog = createChatLog({
    configurations: {
      getMany: async (ids) => {
        reads.push([...ids]);
        return [S3, LOGS, SAME_S3].filter((c) => ids.includes(c.id));
      },
    },
    writer: {
      write: async (destination, entries) => {
        calls++;
        await new Promise((r) => setTimeout(r, 1));
        if (options.failures?.(destination, calls)) throw new Error('destination down');
        writes.push({ destination, entries: [...entries] });
      },
    },
    settle: 'queued',
    retryDelayMs: 1,
    ...options,
  });
  const written = (destination: DestinationConfiguration) =>
    writes.filter((w) => JSON.stringify(w.destination) === JSON.stringify(destination)).flatMap((w) => w.entries);
  return { chatLog, writes, reads, written };
}

test('every frame reaches every destination of the room, in the order sent, batched', async () => {
  const { chatLog, writes, written } = setup();
  const logged = room('roomAAAAAAAA', [S3, LOGS]);
  for (let n = 0; n < 1_200; n++) void chatLog.record(logged, frame(n));
  await chatLog.flush();
  const expected = Array.from({ length: 1_200 }, (_, n) => `m${n}`);
  expect(contents(written(S3.destinationConfiguration))).toEqual(expected);
  expect(contents(written(LOGS.destinationConfiguration))).toEqual(expected);
  // Batches of at most 500: the first frame alone (the queue was idle), then what piled up meanwhile.
  expect(writes.length).toBeLessThan(20);
  expect(Math.max(...writes.map((w) => w.entries.length))).toBeLessThanOrEqual(500);
});

test('a room without configurations, and frames that are not MESSAGE or EVENT, cost nothing', async () => {
  const { chatLog, writes, reads } = setup();
  await chatLog.record(room('roomBBBBBBBB', []), frame(1));
  await chatLog.record(room('roomCCCCCCCC', [S3]), '{"Type":"ERROR","Id":"x","ErrorCode":400,"ErrorMessage":"bad"}');
  await chatLog.flush();
  expect(writes).toEqual([]);
  expect(reads).toEqual([]);
});

test('a failing destination is retried and its records written once, in order; the others are not held back for good', async () => {
  const { chatLog, written } = setup({ failures: (d, call) => 's3' in d && call <= 3 });
  const logged = room('roomDDDDDDDD', [S3, LOGS]);
  for (let n = 0; n < 5; n++) void chatLog.record(logged, frame(n));
  await chatLog.flush();
  expect(contents(written(S3.destinationConfiguration))).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
  expect(contents(written(LOGS.destinationConfiguration))).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
});

test('a destination that keeps failing has its records dropped after the retries; record() never rejects', async () => {
  const { chatLog, written } = setup({ failures: (d) => 's3' in d, attempts: 3 });
  const logged = room('roomEEEEEEEE', [S3, LOGS]);
  await expect(chatLog.record(logged, frame(1))).resolves.toBeUndefined();
  await chatLog.flush();
  expect(written(S3.destinationConfiguration)).toEqual([]);
  expect(contents(written(LOGS.destinationConfiguration))).toEqual(['m1']);
  // The next frame is tried again from scratch.
  void chatLog.record(logged, frame(2));
  await chatLog.flush();
  expect(contents(written(LOGS.destinationConfiguration))).toEqual(['m1', 'm2']);
});

test('settle "written" resolves once the frame is written; "queued" at once', async () => {
  const slow = setup({ settle: 'written' });
  const logged = room('roomFFFFFFFF', [S3]);
  await slow.chatLog.record(logged, frame(1));
  expect(contents(slow.written(S3.destinationConfiguration))).toEqual(['m1']);

  const quick = setup({ settle: 'queued' });
  await quick.chatLog.record(logged, frame(1));
  expect(quick.writes).toEqual([]);
  await quick.chatLog.flush();
  expect(contents(quick.written(S3.destinationConfiguration))).toEqual(['m1']);
});

test('two configurations of a room with the same destination write each record there once', async () => {
  const { chatLog, written } = setup();
  void chatLog.record(room('roomGGGGGGGG', [S3, SAME_S3]), frame(1));
  await chatLog.flush();
  expect(contents(written(S3.destinationConfiguration))).toEqual(['m1']);
});

test('configurations are read once per cache period, and a missing one is skipped', async () => {
  let now = 0;
  const gone = configuration('goneconfig01', { firehose: { deliveryStreamName: 'f' } });
  const { chatLog, reads, writes } = setup({ cacheMs: 1_000, now: () => now });
  const logged = room('roomHHHHHHHH', [S3, gone]);
  await chatLog.record(logged, frame(1));
  await chatLog.flush();
  await chatLog.record(logged, frame(2));
  await chatLog.flush();
  expect(reads).toEqual([[S3.id, gone.id]]);
  now = 1_000;
  await chatLog.record(logged, frame(3));
  await chatLog.flush();
  expect(reads).toHaveLength(2);
  expect(writes.every((w) => 's3' in w.destination)).toBe(true);
});

test('beyond maxPending, new records are dropped instead of queued', async () => {
  const { chatLog, written } = setup({ maxPending: 2 });
  const logged = room('roomIIIIIIII', [S3]);
  for (let n = 0; n < 5; n++) void chatLog.record(logged, frame(n));
  await chatLog.flush();
  // The first started draining at once; two more fitted in the queue.
  expect(contents(written(S3.destinationConfiguration))).toEqual(['m0', 'm1', 'm2']);
});
