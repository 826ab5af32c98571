import { ApiGatewayManagementApiClient, LimitExceededException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { createManagementApiGateway } from '../../../lambdas/adapters/connection-gateway';
import { DEFAULT_LIMITS, DeliveryLedger, messageFrame, viewerId } from '../../../bench/aws-sim/account';
import { RunningEmulator, startConnectionsEmulator } from '../../../bench/aws-sim/connections-emulator';
import { simulate } from '../../../bench/aws-sim/simulation';
import { DEFAULT_RETRY_POLICY } from '../../../lambdas/core/delivery';

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
    const r = await simulate({ viewers: 500, ratePerSecond: 5, seconds: 4, limits: DEFAULT_LIMITS, sharded: true });
    expect(r).toMatchObject({ messages: 20, offeredPerSecond: 2_500, throttled: 0, lost: 0, duplicates: 0, incomplete: 0 });
    expect(r.deliveredPerSecond).toBeGreaterThanOrEqual(0.95 * 2_500);
    // 500 posts, 32 at a time, 20 ms each: 16 rounds.
    expect(r.reachAllMs.p50).toBeCloseTo(320, -1);
    expect(r.concurrency.peak).toBeGreaterThanOrEqual(1);
  });

  test('a short burst past the budget: throttled posts are retried until they get through, none lost', async () => {
    const limits = { ratePerSecond: 1_000, burst: 500, postLatencyMs: 20 };
    const r = await simulate({ viewers: 2_000, ratePerSecond: 2, seconds: 2, limits, sharded: true });
    expect(r.throttled).toBeGreaterThan(0);
    expect(r.retried).toBeGreaterThanOrEqual(r.throttled);
    expect(r).toMatchObject({ lost: 0, countedDropped: 0, duplicates: 0, incomplete: 0, timedOut: 0 });
  });

  test('sustained 2x overload, unsharded: what never arrived is lost, and every loss is counted by the fan-out code', async () => {
    const limits = { ratePerSecond: 1_000, burst: 500, postLatencyMs: 20 };
    const r = await simulate({ viewers: 1_000, ratePerSecond: 2, seconds: 10, limits, sharded: false });
    expect(r.throttled).toBeGreaterThan(0);
    expect(r.lost).toBeGreaterThan(0);
    // Never silent: the Dropped metric holds every delivery that never happened.
    expect(r.countedDropped).toBe(r.lost);
    expect(r.attempts).toBeGreaterThanOrEqual(r.viewers * r.messages);
    // The budget bounds what gets through: its burst plus its rate over the run.
    const runSeconds = r.seconds + DEFAULT_RETRY_POLICY.deadlineMs / 1000 + 1;
    expect(r.viewers * r.messages - r.lost).toBeLessThanOrEqual(limits.burst + limits.ratePerSecond * runSeconds);
  });

  test('an invocation past its timeout: its later posts never happen, and the run says so', async () => {
    // Posts that take 30 s each: the $default invocation's first 32 are still in flight at its 29 s timeout.
    const limits = { ratePerSecond: 100_000, burst: 50_000, postLatencyMs: 30_000 };
    const r = await simulate({ viewers: 3_000, ratePerSecond: 1, seconds: 1, limits, sharded: false, horizonMs: 60_000 });
    expect(r.timedOut).toBe(1);
    expect(r.lost).toBeGreaterThan(0);
    // A timed-out invocation publishes no metrics: its losses are not in the Dropped count (only in Lambda's Errors).
    expect(r.countedDropped).toBe(0);
  });
});
