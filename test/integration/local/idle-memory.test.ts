import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { IvschatClient } from '@aws-sdk/client-ivschat';
import { closeAllClients, createRoom, mintToken, rawClient, sleep, tableClient } from '../../helpers/chat';
import { LocalProcess, ivschat, startLocal } from '../../helpers/local-stack';
import { PROBE_ENV, ProcessProbe, attachProbe } from '../../helpers/process-probe';

const MiB = 1024 * 1024;

// The sweepers run every 10 ms instead of every second: 12 s here are 20 minutes of sweeps.
let stack: LocalProcess;
let client: IvschatClient;
let probe: ProcessProbe;
beforeAll(async () => {
  stack = await startLocal({ ...PROBE_ENV, IVSCHAT_SWEEP_INTERVAL_MS: '10' });
  client = ivschat(stack.apiUrl);
  probe = await attachProbe(stack.process.pid as number, stack.output);
});
afterAll(async () => {
  probe.close();
  await closeAllClients();
  client.destroy();
  await stack.stop();
});

/** `count` Query calls on the stack's dynalite, 8 at a time: each went through one dynalite value stream. */
async function queries(count: number): Promise<void> {
  const db = tableClient(stack.dynamodbEndpoint);
  try {
    let left = count;
    const worker = async () => {
      while (left-- > 0) {
        await db.send(
          new QueryCommand({
            TableName: 'ivschat',
            // An index query of an empty partition (local mode's table has no ConnectionsByExpiry).
            IndexName: 'ConnectionsByRoom',
            KeyConditionExpression: 'GSI3PK = :p',
            ExpressionAttributeValues: { ':p': 'ROOMCONNS#none' },
          }),
        );
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
  } finally {
    db.destroy();
  }
}

test('dynalite queries leave no memory behind (they leaked ~0.9 KB each: open iterators)', async () => {
  await queries(1_000); // warm-up: JIT, connection pools, caches
  const before = await probe.heapUsedAfterGc();
  await queries(5_000);
  const after = await probe.heapUsedAfterGc();
  // The leak would be ~4.5 MB here; what is left is noise.
  expect((after - before) / MiB).toBeLessThan(1.5);
}, 60_000);

test('an idle server with rooms and open sessions keeps a flat heap while its sweepers run', async () => {
  const rooms = await Promise.all([1, 2, 3].map(() => createRoom(client)));
  for (const room of rooms) {
    for (const userId of ['a', 'b']) {
      const { token } = await mintToken(client, room.arn, { userId, sessionDurationInMinutes: 60 });
      await rawClient(stack.wsUrl, token!);
    }
  }
  await sleep(2_000);
  const heap: number[] = [await probe.heapUsedAfterGc()];
  const rss: number[] = [probe.rssBytes()];
  for (let i = 0; i < 3; i++) {
    await sleep(4_000); // 400 sweeps each time
    heap.push(await probe.heapUsedAfterGc());
    rss.push(probe.rssBytes());
  }
  const growth = (Math.max(...heap.slice(1)) - heap[0]!) / MiB;
  expect(growth).toBeLessThan(1);
  expect((rss[rss.length - 1]! - rss[0]!) / MiB).toBeLessThan(20);
}, 60_000);
