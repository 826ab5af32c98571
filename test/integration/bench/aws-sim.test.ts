import { ApiGatewayManagementApiClient, LimitExceededException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { createManagementApiGateway } from '../../../lambdas/adapters/connection-gateway';
import { DEFAULT_LIMITS, DeliveryLedger, messageFrame, viewerId } from '../../../bench/aws-sim/account';
import { RunningEmulator, startConnectionsEmulator } from '../../../bench/aws-sim/connections-emulator';
import { simulate } from '../../../bench/aws-sim/simulation';

/**
 * The capacity simulator's parts against the real SDK: the @connections emulator answers as API
 * Gateway does, so the SDK raises its own exception classes; and the simulation's figures add up.
 */

const credentials = { accessKeyId: 'simulator', secretAccessKey: 'simulator' };

describe('the @connections emulator', () => {
  let emulator: RunningEmulator;
  const ledger = new DeliveryLedger(3, 1);
  beforeAll(async () => {
    const startedAt = performance.now();
    emulator = await startConnectionsEmulator({
      limits: { ratePerSecond: 1, burst: 2, postLatencyMs: 5 },
      viewers: 3,
      ledger,
      now: () => performance.now() - startedAt,
    });
  });
  afterAll(() => emulator.close());

  test('answers a post 200, an unknown connection Gone, and past the bucket a 429 the SDK raises as LimitExceededException', async () => {
    const client = new ApiGatewayManagementApiClient({ endpoint: emulator.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
    const adapter = createManagementApiGateway({ endpoint: emulator.endpoint, region: 'us-east-1' });
    process.env.AWS_ACCESS_KEY_ID ??= credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY ??= credentials.secretAccessKey;
    await expect(client.send(new PostToConnectionCommand({ ConnectionId: viewerId(0), Data: messageFrame(0) }))).resolves.toBeDefined();
    await expect(adapter.post('not-in-the-room', messageFrame(0))).resolves.toBe(false);
    const throttled = await client
      .send(new PostToConnectionCommand({ ConnectionId: viewerId(1), Data: messageFrame(0) }))
      .catch((e: unknown) => e);
    expect(throttled).toBeInstanceOf(LimitExceededException);
    expect(throttled).toMatchObject({ name: 'LimitExceededException', $metadata: { httpStatusCode: 429 } });
    const s = ledger.summary();
    expect([s.attempts, s.delivered, s.throttled]).toEqual([2, 1, 1]);
    client.destroy();
  });
});

describe('a simulated run', () => {
  test('a room whose load fits the budget: every viewer gets every message, at the rate offered', async () => {
    const r = await simulate({ viewers: 500, ratePerSecond: 5, seconds: 4, limits: DEFAULT_LIMITS });
    expect(r).toMatchObject({ messages: 20, offeredPerSecond: 2_500, throttled: 0, lost: 0, duplicates: 0, incomplete: 0 });
    expect(r.deliveredPerSecond).toBeGreaterThanOrEqual(0.95 * 2_500);
    // 500 posts, 32 at a time, 20 ms each: 16 rounds.
    expect(r.reachAllMs.p50).toBeCloseTo(320, -1);
    expect(r.concurrency.peak).toBeGreaterThanOrEqual(1);
  });

  test('past the budget: throttled posts are counted, and what never arrived is reported as lost', async () => {
    const limits = { ratePerSecond: 1_000, burst: 500, postLatencyMs: 20 };
    const r = await simulate({ viewers: 2_000, ratePerSecond: 2, seconds: 2, limits });
    expect(r.throttled).toBeGreaterThan(0);
    expect(r.lost).toBeGreaterThan(0);
    expect(r.attempts).toBeGreaterThanOrEqual(r.viewers * r.messages);
    // The budget bounds what gets through: over the run at most its burst plus its rate.
    expect(r.viewers * r.messages - r.lost).toBeLessThanOrEqual(limits.burst + limits.ratePerSecond * 60);
  });
});
