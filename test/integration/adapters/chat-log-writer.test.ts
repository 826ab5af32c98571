import { gunzipSync } from 'node:zlib';
import { ChatLogEntry, chatLogRecord } from '../../../lambdas/domain/chat-log';
import { eventFrame } from '../../../lambdas/domain/messaging';
import { createAwsChatLogWriter } from '../../../lambdas/adapters/chat-log-writer';
import { AwsStub, STUB_CREDENTIALS, StubReply, StubRequest, startAwsStub } from '../../helpers/aws-stub';

const scope = { region: 'us-east-1', accountId: '000000000000' };

/** An entry of `roomId` whose event was sent `ms` milliseconds into 2024. */
const entry = (roomId: string, ms: number, name = `e${ms}`): ChatLogEntry => ({
  roomId,
  record: chatLogRecord(
    eventFrame({
      id: `id${String(ms).padStart(10, '0')}`,
      eventName: name,
      sendTime: new Date(Date.UTC(2024, 0, 1, 0, 0, 0, ms)).toISOString(),
    }),
  ) as ChatLogEntry['record'],
});

let stub: AwsStub;
let reply: (request: StubRequest) => StubReply;
beforeAll(async () => {
  stub = await startAwsStub((request) => reply(request));
});
afterAll(() => stub.close());

const writer = () =>
  createAwsChatLogWriter({
    region: 'us-east-1',
    scope,
    clients: {
      s3: { endpoint: stub.endpoint, forcePathStyle: true, credentials: STUB_CREDENTIALS },
      logs: { endpoint: stub.endpoint, credentials: STUB_CREDENTIALS, maxAttempts: 1 },
      firehose: { endpoint: stub.endpoint, credentials: STUB_CREDENTIALS, maxAttempts: 1 },
    },
  });
const since = (before: number) => stub.requests.slice(before);
const target = (request: StubRequest) => String(request.headers['x-amz-target'] ?? '');
const body = (request: StubRequest) => JSON.parse(request.body.toString()) as Record<string, unknown>;

test("S3: one gzipped JSON-lines object per room, under AWS's chat-log key", async () => {
  reply = () => ({ headers: { ETag: '"x"' } });
  const before = stub.requests.length;
  const entries = [entry('roomAAAAAAAA', 1), entry('roomBBBBBBBB', 2), entry('roomAAAAAAAA', 3)];
  await writer().write({ s3: { bucketName: 'chat-archive' } }, entries);
  const puts = since(before);
  expect(puts.map((r) => r.method)).toEqual(['PUT', 'PUT']);
  expect(puts[0]?.url).toMatch(
    /^\/chat-archive\/AWSLogs\/000000000000\/IVSChatLogs\/1\.0\/us-east-1\/room_roomAAAAAAAA\/2024\/01\/01\/00\/000000000000_IVSChatLogs_1\.0_us-east-1_room_roomAAAAAAAA_202401010000_[A-Za-z0-9]{16}\.log\.gz/,
  );
  expect(puts[1]?.url).toContain('/room_roomBBBBBBBB/');
  expect(gunzipSync(puts[0]?.body ?? Buffer.alloc(0)).toString()).toBe(`${entries[0]?.record.line}\n${entries[2]?.record.line}\n`);
});

test("CloudWatch Logs: the room's stream, created when missing, events in time order", async () => {
  const before = stub.requests.length;
  let first = true;
  reply = (request) => {
    if (target(request).endsWith('PutLogEvents') && first) {
      first = false;
      return {
        status: 400,
        headers: { 'x-amzn-ErrorType': 'ResourceNotFoundException' },
        body: JSON.stringify({ __type: 'ResourceNotFoundException', message: 'The specified log stream does not exist.' }),
      };
    }
    return { body: '{}' };
  };
  const entries = [entry('roomAAAAAAAA', 5), entry('roomAAAAAAAA', 4)];
  await writer().write({ cloudWatchLogs: { logGroupName: '/aws/ivs/chat' } }, entries);
  const calls = since(before);
  expect(calls.map(target)).toEqual(['Logs_20140328.PutLogEvents', 'Logs_20140328.CreateLogStream', 'Logs_20140328.PutLogEvents']);
  expect(body(calls[1] as StubRequest)).toEqual({ logGroupName: '/aws/ivs/chat', logStreamName: 'aws/IVSChatLogs/1.0/room_roomAAAAAAAA' });
  expect(body(calls[2] as StubRequest)).toEqual({
    logGroupName: '/aws/ivs/chat',
    logStreamName: 'aws/IVSChatLogs/1.0/room_roomAAAAAAAA',
    logEvents: [
      { timestamp: Date.UTC(2024, 0, 1, 0, 0, 0, 4), message: entries[1]?.record.line },
      { timestamp: Date.UTC(2024, 0, 1, 0, 0, 0, 5), message: entries[0]?.record.line },
    ],
  });
});

test('CloudWatch Logs: a log group that does not exist is a failure', async () => {
  reply = () => ({
    status: 400,
    headers: { 'x-amzn-ErrorType': 'ResourceNotFoundException' },
    body: JSON.stringify({ message: 'The specified log group does not exist.' }),
  });
  await expect(writer().write({ cloudWatchLogs: { logGroupName: 'missing' } }, [entry('roomAAAAAAAA', 1)])).rejects.toThrow(
    /log group does not exist/,
  );
});

test('Firehose: one newline-terminated record per entry; records it refused are sent again, only those', async () => {
  const before = stub.requests.length;
  let call = 0;
  reply = (request) => {
    call++;
    const records = body(request).Records as unknown[];
    const responses = records.map((_, i) =>
      call === 1 && i === 1 ? { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'slow down' } : { RecordId: `r${i}` },
    );
    return {
      body: JSON.stringify({
        FailedPutCount: responses.filter((r) => 'ErrorCode' in r).length,
        Encrypted: false,
        RequestResponses: responses,
      }),
    };
  };
  const entries = [entry('roomAAAAAAAA', 1), entry('roomBBBBBBBB', 2), entry('roomAAAAAAAA', 3)];
  await writer().write({ firehose: { deliveryStreamName: 'chat-stream' } }, entries);
  const calls = since(before);
  expect(calls.map(target)).toEqual(['Firehose_20150804.PutRecordBatch', 'Firehose_20150804.PutRecordBatch']);
  const data = (request: StubRequest) => (body(request).Records as { Data: string }[]).map((r) => Buffer.from(r.Data, 'base64').toString());
  expect(body(calls[0] as StubRequest).DeliveryStreamName).toBe('chat-stream');
  expect(data(calls[0] as StubRequest)).toEqual(entries.map((e) => `${e.record.line}\n`));
  expect(data(calls[1] as StubRequest)).toEqual([`${entries[1]?.record.line}\n`]);
});

test('Firehose: records refused three times over are a failure', async () => {
  reply = () => ({
    body: JSON.stringify({ FailedPutCount: 1, Encrypted: false, RequestResponses: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'no' }] }),
  });
  await expect(writer().write({ firehose: { deliveryStreamName: 'chat-stream' } }, [entry('roomAAAAAAAA', 1)])).rejects.toThrow(
    'Firehose refused 1 records: InternalFailure',
  );
});
