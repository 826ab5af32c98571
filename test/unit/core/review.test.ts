import { createCountingMetrics } from '../../../lambdas/adapters/metrics';
import { reviewMessage } from '../../../lambdas/core/review';
import type { Connection } from '../../../lambdas/data/connections';
import { MessagingError } from '../../../lambdas/shared/errors';
import type { Room } from '../../../lambdas/domain/room';
import type { ReviewHandlerInvoker } from '../../../lambdas/core/ports';

const FUNCTION = 'arn:aws:lambda:us-east-1:000000000000:function:review';
const connection: Connection = {
  connectionId: 'c1',
  roomId: 'abcdEFGH1234',
  roomArn: 'arn:aws:ivschat:us-east-1:000000000000:room/abcdEFGH1234',
  userId: 'ann',
  capabilities: ['SEND_MESSAGE'],
  attributes: { displayName: 'Ann' },
  sessionExpiresAt: Date.now() + 60_000,
  connectedAt: Date.now(),
  sourceIp: '192.0.2.7',
};
const roomWith = (fallbackResult?: 'ALLOW' | 'DENY'): Room => ({
  id: 'abcdEFGH1234',
  arn: connection.roomArn,
  name: '',
  createTime: '2024-01-01T00:00:00.000Z',
  updateTime: '2024-01-01T00:00:00.000Z',
  maximumMessageRatePerSecond: 10,
  maximumMessageLength: 20,
  ...(fallbackResult ? { messageReviewHandler: { uri: FUNCTION, fallbackResult } } : {}),
  loggingConfigurationIdentifiers: [],
  tags: {},
});
const message = { id: 'MsGiD0000001', content: 'darn it', attributes: { k: 'v' } };

/** An invoker that answers with `answer(event)` and records what it was called with. */
function invoker(answer: (event: unknown, signal: AbortSignal) => Promise<unknown>) {
  const calls: { arn: string; event: unknown; signal: AbortSignal }[] = [];
  const reviewHandlers: ReviewHandlerInvoker = {
    invoke: (arn, event, signal) => {
      calls.push({ arn, event, signal });
      return answer(event, signal);
    },
  };
  const metrics = createCountingMetrics();
  return { reviewHandlers, calls, metrics };
}

test('a room without a handler delivers the message unreviewed', async () => {
  const { reviewHandlers, calls, metrics } = invoker(async () => ({ ReviewResult: 'DENY' }));
  await expect(reviewMessage({ reviewHandlers, metrics }, roomWith(), connection, message)).resolves.toEqual(message);
  expect(calls).toEqual([]);
  expect(metrics.totals.ReviewFallbacks).toBe(0);
});

test('the handler gets the AWS event and may rewrite content and attributes', async () => {
  const { reviewHandlers, calls, metrics } = invoker(async () => ({
    ReviewResult: 'ALLOW',
    Content: '**** it',
    Attributes: { masked: 'true' },
  }));
  await expect(reviewMessage({ reviewHandlers, metrics }, roomWith('DENY'), connection, message)).resolves.toEqual({
    content: '**** it',
    attributes: { masked: 'true' },
  });
  expect(calls).toEqual([
    {
      arn: FUNCTION,
      event: {
        Content: 'darn it',
        MessageId: 'MsGiD0000001',
        RoomArn: connection.roomArn,
        Attributes: { k: 'v' },
        Sender: { UserId: 'ann', Attributes: { displayName: 'Ann' }, Ip: '192.0.2.7' },
      },
      signal: expect.any(AbortSignal),
    },
  ]);
});

test("DENY is ERROR 406 with the handler's reason, whatever the fallback", async () => {
  const { reviewHandlers, metrics } = invoker(async () => ({ ReviewResult: 'DENY', Attributes: { Reason: 'profanity' } }));
  await expect(reviewMessage({ reviewHandlers, metrics }, roomWith('ALLOW'), connection, message)).rejects.toEqual(
    new MessagingError(406, 'profanity'),
  );
});

describe.each([
  ['throws', () => Promise.reject(new Error('boom'))],
  ['answers garbage', () => Promise.resolve('not an answer')],
  ['answers content over the room limit', () => Promise.resolve({ ReviewResult: 'ALLOW', Content: 'x'.repeat(21) })],
  ['takes 300 ms', () => new Promise((resolve) => setTimeout(() => resolve({ ReviewResult: 'DENY' }), 300))],
])('a handler that %s', (_label, answer) => {
  test('gets fallback ALLOW: the message as sent', async () => {
    const { reviewHandlers, metrics } = invoker(answer);
    await expect(reviewMessage({ reviewHandlers, metrics }, roomWith('ALLOW'), connection, message)).resolves.toEqual({
      content: 'darn it',
      attributes: { k: 'v' },
    });
    expect(metrics.totals.ReviewFallbacks).toBe(1);
  });

  test('gets fallback DENY: ERROR 406', async () => {
    const { reviewHandlers, metrics } = invoker(answer);
    const refused = reviewMessage({ reviewHandlers, metrics }, roomWith('DENY'), connection, message);
    await expect(refused).rejects.toBeInstanceOf(MessagingError);
    await expect(refused).rejects.toMatchObject({ code: 406 });
    expect(metrics.totals.ReviewFallbacks).toBe(1);
  });
});

test('a late answer is given up on after 200 ms and the call is aborted', async () => {
  const { reviewHandlers, calls, metrics } = invoker(() => new Promise(() => undefined));
  const started = Date.now();
  await expect(reviewMessage({ reviewHandlers, metrics }, roomWith('ALLOW'), connection, message)).resolves.toMatchObject({
    content: 'darn it',
  });
  const waited = Date.now() - started;
  expect(waited).toBeGreaterThanOrEqual(195);
  expect(waited).toBeLessThan(400);
  expect(calls[0]?.signal.aborted).toBe(true);
});
