import { ensureTable, startDynalite } from '../../../lib/local/dynalite';
import { readConfig } from '../../../lambdas/shared/config';
import { buildDeps } from '../../../lambdas/wiring/deps';
import { newRoom } from '../../../lambdas/domain/room';

/**
 * LocalStack (and any other endpoint override) works through AWS_ENDPOINT_URL, which the AWS SDK
 * reads itself: with DYNAMODB_ENDPOINT unset, the production wiring must reach that endpoint.
 */
test('the stores honour AWS_ENDPOINT_URL when no DynamoDB endpoint is configured', async () => {
  const db = await startDynalite(undefined);
  const saved = { ...process.env };
  try {
    await ensureTable(db.endpoint, 'us-east-1', 'endpoint-url-test');
    Object.assign(process.env, { AWS_ENDPOINT_URL: db.endpoint, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' });
    const cfg = readConfig({ AWS_REGION: 'us-east-1', IVSCHAT_TABLE_NAME: 'endpoint-url-test' });
    expect(cfg.dynamodbEndpoint).toBeUndefined();
    const deps = buildDeps(cfg);
    const room = newRoom({ name: 'via-endpoint-url' }, deps.scope, deps.idClock);
    await deps.rooms.create(room);
    expect((await deps.rooms.get(room.id)).name).toBe('via-endpoint-url');
  } finally {
    process.env = saved;
    await db.close();
  }
});
