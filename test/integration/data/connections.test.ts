import { createConnectionStore } from '../../../lambdas/data/connections';
import { createDocumentClient } from '../../../lambdas/adapters/dynamodb';
import { readConfig } from '../../../lambdas/shared/config';
import { ensureTable, startDynalite } from '../../../lib/local/dynalite';

let db: Awaited<ReturnType<typeof startDynalite>>;
beforeAll(async () => {
  db = await startDynalite(undefined);
  await ensureTable(db.endpoint, 'us-east-1', 'connections-test');
});
afterAll(() => db.close());

const connection = (connectionId: string, connectedAt: number) => ({
  connectionId,
  roomId: 'abcdEFGH1234',
  roomArn: 'arn:aws:ivschat:us-east-1:000000000000:room/abcdEFGH1234',
  userId: 'u',
  capabilities: [],
  attributes: {},
  sessionExpiresAt: connectedAt + 3_600_000,
  connectedAt,
});

test('a conditional remove spares a record younger than the cutoff and removes an older one', async () => {
  const cfg = readConfig({
    AWS_REGION: 'us-east-1',
    IVSCHAT_TABLE_NAME: 'connections-test',
    DYNAMODB_ENDPOINT: db.endpoint,
    AWS_ACCESS_KEY_ID: 'x',
  });
  process.env.AWS_ACCESS_KEY_ID ??= 'x';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'x';
  const store = createConnectionStore({ doc: createDocumentClient(cfg), tableName: cfg.tableName });
  const now = Date.now();
  await store.put(connection('young', now));
  await store.put(connection('old', now - 60_000));

  expect(await store.remove('young', { connectedBefore: now - 30_000 })).toBeUndefined();
  expect(await store.get('young')).toMatchObject({ connectionId: 'young' });
  expect(await store.remove('old', { connectedBefore: now - 30_000 })).toMatchObject({ connectionId: 'old' });
  expect(await store.get('old')).toBeUndefined();
  expect(await store.remove('young')).toMatchObject({ connectionId: 'young' });
  expect(await store.idsInRoom('abcdEFGH1234')).toEqual([]);
});
