import { createHash } from 'node:crypto';
import { createSqsShardDispatcher } from '../../../lambdas/adapters/shard-queue';
import { planShards } from '../../../lambdas/core/shards';
import { ShardMessage, parseShard } from '../../../lambdas/domain/shards';
import { AwsStub, STUB_CREDENTIALS, StubReply, StubRequest, startAwsStub } from '../../helpers/aws-stub';

/** The SQS shard dispatcher on the wire, against a stub answering SendMessageBatch as SQS does (JSON protocol). */
type Entry = { Id: string; MessageBody: string; MessageGroupId: string; MessageDeduplicationId: string };
type Batch = { QueueUrl: string; Entries: Entry[] };

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/000000000000/shards.fifo';
let stub: AwsStub;
let refuse: (entry: Entry) => boolean = () => false;
let fail = false;
beforeAll(async () => {
  stub = await startAwsStub((request: StubRequest): StubReply => {
    if (fail) return { status: 500, headers: { 'x-amzn-query-error': 'InternalError;Receiver' }, body: '{"__type":"InternalError"}' };
    const batch = JSON.parse(request.body.toString()) as Batch;
    const md5 = (text: string) => createHash('md5').update(text).digest('hex');
    return {
      headers: { 'content-type': 'application/x-amz-json-1.0' },
      body: JSON.stringify({
        Successful: batch.Entries.filter((e) => !refuse(e)).map((e) => ({
          Id: e.Id,
          MessageId: `m-${e.Id}`,
          MD5OfMessageBody: md5(e.MessageBody),
        })),
        Failed: batch.Entries.filter(refuse).map((e) => ({ Id: e.Id, Code: 'InternalError', SenderFault: false, Message: 'try again' })),
      }),
    };
  });
});
afterAll(() => stub.close());
beforeEach(() => {
  refuse = () => false;
  fail = false;
});

const dispatcher = () =>
  createSqsShardDispatcher({
    queueUrl: QUEUE_URL,
    region: 'us-east-1',
    clientConfig: { endpoint: stub.endpoint, credentials: STUB_CREDENTIALS, maxAttempts: 1 },
  });
const shardsOf = (connections: number, frame = '{"Type":"MESSAGE","Id":"AbCdEfGhIjKl"}') =>
  planShards(
    {
      roomId: 'abcdEFGH1234',
      frame,
      connectionIds: Array.from({ length: connections }, (_, i) => `conn${i}AbCdEfGh=`),
      connectedBefore: 1,
    },
    { shardThreshold: 100, shardSize: 100 },
  );
const batchesSince = (before: number) => stub.requests.slice(before).map((r) => JSON.parse(r.body.toString()) as Batch);

test('every shard is one message of its group, deduplicated by its body, at most 10 per batch', async () => {
  const shards = shardsOf(3_000); // 32 shards
  expect(shards).toHaveLength(32);
  const before = stub.requests.length;
  await expect(dispatcher().dispatch(shards)).resolves.toEqual([]);
  const batches = batchesSince(before);
  expect(batches.map((b) => b.Entries.length)).toEqual([10, 10, 10, 2]);
  expect(stub.requests[before]?.headers['x-amz-target']).toBe('AmazonSQS.SendMessageBatch');
  const entries = batches.flatMap((b) => b.Entries);
  expect(batches.every((b) => b.QueueUrl === QUEUE_URL)).toBe(true);
  expect(entries.map((e) => parseShard(e.MessageBody))).toEqual(shards);
  expect(entries.map((e) => e.MessageGroupId)).toEqual(shards.map((s) => `abcdEFGH1234-${s.shard}`));
  for (const e of entries) expect(e.MessageDeduplicationId).toBe(createHash('sha256').update(e.MessageBody).digest('hex'));
});

test('batches stay within 256 KiB; a shard too big for any message is handed back', async () => {
  const big = shardsOf(1_000, `{"Type":"MESSAGE","Content":"${'x'.repeat(60_000)}"}`); // 16 shards of ~62 KB
  const huge: ShardMessage = { ...big[0]!, frame: 'y'.repeat(300_000) };
  const before = stub.requests.length;
  await expect(dispatcher().dispatch([...big, huge])).resolves.toEqual([huge]);
  for (const request of stub.requests.slice(before)) expect(request.body.length).toBeLessThanOrEqual(256 * 1024 + 16 * 1024);
  for (const batch of batchesSince(before)) {
    expect(batch.Entries.reduce((bytes, e) => bytes + Buffer.byteLength(e.MessageBody), 0)).toBeLessThanOrEqual(256 * 1024);
  }
  expect(batchesSince(before).flatMap((b) => b.Entries)).toHaveLength(big.length);
});

test('entries SQS refused, and whole batches that failed, come back to be delivered by the caller', async () => {
  const shards = shardsOf(3_000);
  refuse = (e) => e.MessageGroupId.endsWith('-3') || e.MessageGroupId.endsWith('-17');
  await expect(dispatcher().dispatch(shards)).resolves.toEqual(shards.filter((s) => s.shard === 3 || s.shard === 17));
  fail = true;
  await expect(dispatcher().dispatch(shards)).resolves.toEqual(shards);
});
