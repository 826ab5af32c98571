import type { APIGatewayProxyResult, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createCountingMetrics } from '../../../lambdas/adapters/metrics';
import { createDocumentClient } from '../../../lambdas/adapters/dynamodb';
import { DEFAULT_RETRY_POLICY, systemRetryClock } from '../../../lambdas/core/delivery';
import type { Deps } from '../../../lambdas/core/deps';
import type { ConnectionGateway, ShardDispatcher } from '../../../lambdas/core/ports';
import { createRoom } from '../../../lambdas/core/rooms';
import { ShardMessage, serializeShard, shardGroupId } from '../../../lambdas/domain/shards';
import { makeHandler as makeDefault } from '../../../lambdas/messaging/default';
import { makeHandler as makeWorker } from '../../../lambdas/messaging/deliver-shard';
import { readConfig } from '../../../lambdas/shared/config';
import { buildDeps } from '../../../lambdas/wiring/deps';
import { RunningDynalite, ensureTable, startDynalite } from '../../../lib/local/dynalite';
import { lambdaContext, wsEvent } from '../../fixtures/events';
import { allowingReviewHandlers, memoryChatLogWriter } from '../../fixtures/fakes';

/**
 * The shard path end to end in one process: $default (the real handler, over dynalite) splits a
 * room past the threshold into shards and hands them to a dispatcher that behaves as the SQS FIFO
 * queue does (each message group worked in batches of up to 10, in the order queued; groups in
 * parallel, at random pace, half of them held back so that their batches are full); the real shard
 * worker handler delivers each batch. Every connection must get
 * every message exactly once, and each sender's messages in the order they were sent.
 */
const TABLE_NAME = 'shards-test';
const ROOM_SIZE = 700;
const THRESHOLD = 100;
const PER_SENDER = 6;

let db: RunningDynalite;
beforeAll(async () => {
  db = await startDynalite(undefined);
  await ensureTable(db.endpoint, 'us-east-1', TABLE_NAME);
});
afterAll(() => db.close());

const pause = (maxMs: number) => new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * maxMs)));

/** A gateway that records, per connection, the frames it got in order, each post taking a random few ms. */
function slowRecordingGateway() {
  const received = new Map<string, { content: string; sender: string }[]>();
  const gateway: ConnectionGateway = {
    post: async (id, frame) => {
      await pause(3);
      const parsed = JSON.parse(frame) as { Type: string; Content?: string; Sender?: { UserId: string } };
      if (parsed.Type === 'MESSAGE') {
        received.set(id, [...(received.get(id) ?? []), { content: parsed.Content ?? '', sender: parsed.Sender?.UserId ?? '' }]);
      }
      return true;
    },
    disconnect: async () => undefined,
  };
  return { gateway, received };
}

/**
 * The SQS FIFO queue's contract, in process: a group's messages go to the worker in the order they
 * were queued, in batches of up to 10, the next batch only after the worker answered for the one
 * before; groups independently, each at its own random pace. Groups `held` get nothing until
 * `release()` (a worker busy elsewhere, a backlog): their messages then come in full batches.
 */
function inProcessFifo(worker: (event: SQSEvent) => Promise<SQSBatchResponse>, held: (shard: ShardMessage) => boolean) {
  const waiting = new Map<string, { messageId: string; shard: ShardMessage }[]>();
  const running = new Map<string, Promise<void>>();
  const queued: ShardMessage[] = [];
  const batchSizes: number[] = [];
  const failures: string[] = [];
  const heldGroups = new Set<string>();
  let released = false;
  let sequence = 0;
  const pump = (groupId: string) => {
    if (heldGroups.has(groupId) || running.has(groupId) || (waiting.get(groupId) ?? []).length === 0) return;
    const run = (async () => {
      await pause(40);
      const batch = (waiting.get(groupId) ?? []).splice(0, 10);
      batchSizes.push(batch.length);
      const answer = await worker({
        Records: batch.map(({ messageId, shard }) => ({ messageId, body: serializeShard(shard), attributes: { MessageGroupId: groupId } })),
      } as unknown as SQSEvent);
      failures.push(...answer.batchItemFailures.map((f) => f.itemIdentifier));
      running.delete(groupId);
      pump(groupId);
    })();
    running.set(groupId, run);
  };
  const dispatcher: ShardDispatcher = {
    dispatch: async (shards) => {
      for (const shard of shards) {
        queued.push(shard);
        const groupId = shardGroupId(shard);
        if (held(shard) && !released) heldGroups.add(groupId);
        waiting.set(groupId, [...(waiting.get(groupId) ?? []), { messageId: `m${sequence++}`, shard }]);
        pump(groupId);
      }
      return [];
    },
  };
  const release = () => {
    released = true;
    const groups = [...heldGroups];
    heldGroups.clear();
    for (const groupId of groups) pump(groupId);
  };
  const drained = async () => {
    while (running.size > 0) await Promise.all([...running.values()]);
  };
  return { dispatcher, queued, batchSizes, failures, release, drained };
}

test('a room past the threshold: every connection gets every message once, each sender in order', async () => {
  const config = readConfig({ AWS_REGION: 'us-east-1', IVSCHAT_TABLE_NAME: TABLE_NAME, DYNAMODB_ENDPOINT: db.endpoint });
  const doc = createDocumentClient(config, { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const { gateway, received } = slowRecordingGateway();
  const metrics = createCountingMetrics();
  let worker: (event: SQSEvent) => Promise<SQSBatchResponse> = async () => {
    throw new Error('not wired yet');
  };
  // Odd shards are held until every message is sent, even ones worked as messages come.
  const fifo = inProcessFifo(
    (event) => worker(event),
    (shard) => shard.shard % 2 === 1,
  );
  const deps: Deps = buildDeps(config, {
    doc,
    gateway,
    metrics,
    reviewHandlers: allowingReviewHandlers().reviewHandlers,
    chatLogWriter: memoryChatLogWriter().writer,
    fanOut: {
      policy: DEFAULT_RETRY_POLICY,
      clock: systemRetryClock,
      shardThreshold: THRESHOLD,
      shardSize: THRESHOLD,
      dispatcher: fifo.dispatcher,
    },
  });
  const workerHandler = makeWorker(deps);
  worker = (event) => workerHandler(event, lambdaContext) as Promise<SQSBatchResponse>;

  const room = await createRoom(deps, { maximumMessageRatePerSecond: 100 });
  const now = Date.now();
  const ids = Array.from({ length: ROOM_SIZE }, (_, i) => `conn${i.toString(36).padStart(4, '0')}=`);
  const senders = { ann: ids[0] as string, bob: ids[1] as string };
  for (let i = 0; i < ids.length; i += 50) {
    await Promise.all(
      ids.slice(i, i + 50).map((connectionId, j) =>
        deps.connections.put({
          connectionId,
          roomId: room.id,
          roomArn: room.arn,
          userId: i + j === 1 ? 'bob' : i + j === 0 ? 'ann' : `viewer${i + j}`,
          capabilities: ['SEND_MESSAGE'],
          attributes: {},
          sessionExpiresAt: now + 3_600_000,
          connectedAt: now,
        }),
      ),
    );
  }

  // Each sender sends its messages one after another (each accepted before the next), both at once.
  const $default = makeDefault(deps);
  const send = async (connectionId: string, content: string) => {
    const body = JSON.stringify({ Action: 'SEND_MESSAGE', RequestId: content, Content: content });
    const res = (await $default(wsEvent('$default', connectionId, { body }), lambdaContext)) as APIGatewayProxyResult;
    expect(res.statusCode).toBe(200);
  };
  await Promise.all(
    Object.entries(senders).map(async ([name, connectionId]) => {
      for (let n = 1; n <= PER_SENDER; n++) await send(connectionId, `${name}-${n}`);
    }),
  );
  fifo.release();
  await fifo.drained();

  // 700 connections over a threshold of 100: 8 shards, each message queued as 8 shard messages.
  const messages = 2 * PER_SENDER;
  expect(fifo.queued).toHaveLength(messages * 8);
  expect(new Set(fifo.queued.map((s) => s.shardCount))).toEqual(new Set([8]));
  expect(fifo.failures).toEqual([]);
  // The held groups' 12 messages each came as a batch of 10 and one of 2, worked as the queue
  // hands them over; the others mostly one by one.
  expect(fifo.batchSizes.filter((n) => n === 10).length).toBeGreaterThanOrEqual(4);
  expect(fifo.batchSizes.reduce((a, b) => a + b, 0)).toBe(messages * 8);
  // A connection is in the same shard, so the same queue group, for every message.
  const groupOf = new Map<string, Set<string>>();
  for (const shard of fifo.queued)
    for (const id of shard.connectionIds) groupOf.set(id, (groupOf.get(id) ?? new Set()).add(shardGroupId(shard)));
  expect([...groupOf.values()].every((groups) => groups.size === 1)).toBe(true);
  expect(groupOf.size).toBe(ROOM_SIZE);

  for (const id of ids) {
    const got = received.get(id) ?? [];
    expect(got).toHaveLength(messages);
    expect(new Set(got.map((m) => m.content)).size).toBe(messages);
    for (const name of Object.keys(senders)) {
      const fromSender = got.filter((m) => m.sender === name).map((m) => m.content);
      expect(fromSender).toEqual(Array.from({ length: PER_SENDER }, (_, n) => `${name}-${n + 1}`));
    }
  }
  expect(metrics.totals).toMatchObject({ Messages: messages, Deliveries: messages * ROOM_SIZE, Dropped: 0 });
}, 60_000);
