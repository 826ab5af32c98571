import { createManagementApiGateway } from '../../../lambdas/adapters/connection-gateway';
import { RetryPolicy, deliverFrame, systemRetryClock } from '../../../lambdas/core/delivery';
import { PostFailure } from '../../../lambdas/core/ports';
import { AwsStub, STUB_CREDENTIALS, StubReply, startAwsStub } from '../../helpers/aws-stub';

/**
 * The @connections adapter on the wire, against a stub answering as API Gateway does: what each
 * answer becomes for the fan-out core, one HTTP request per post (the core does the retrying), and
 * the core's retries through the real SDK client.
 */
let stub: AwsStub;
let next: (path: string) => StubReply | Promise<StubReply>;
beforeAll(async () => {
  stub = await startAwsStub((request) => next(request.url));
});
afterAll(() => stub.close());

const gateway = () =>
  createManagementApiGateway({ endpoint: `${stub.endpoint}/prod`, region: 'us-east-1', clientConfig: { credentials: STUB_CREDENTIALS } });
const answer = (status: number, errorType?: string): StubReply => ({
  status,
  headers: { 'content-type': 'application/json', ...(errorType ? { 'x-amzn-ErrorType': errorType } : {}) },
  body: JSON.stringify({ message: errorType ?? 'ok' }),
});

test('a delivered post is true, a gone connection false; the frame goes to the connection as sent', async () => {
  next = () => answer(200);
  const before = stub.requests.length;
  await expect(gateway().post('conn=1', '{"Type":"MESSAGE"}')).resolves.toBe(true);
  const [request] = stub.requests.slice(before);
  expect(request).toMatchObject({ method: 'POST', url: '/prod/@connections/conn%3D1' });
  expect(request?.body.toString()).toBe('{"Type":"MESSAGE"}');
  next = () => answer(410, 'GoneException');
  await expect(gateway().post('conn=1', 'x')).resolves.toBe(false);
});

test.each([
  ['429 LimitExceededException', 'throttled', answer(429, 'LimitExceededException')],
  ['429 without an error type', 'throttled', answer(429)],
  ['500', 'server', answer(500, 'InternalServerErrorException')],
  ['503', 'server', answer(503)],
  ['403 ForbiddenException', 'other', answer(403, 'ForbiddenException')],
  ['413 PayloadTooLargeException', 'other', answer(413, 'PayloadTooLargeException')],
] as const)('%s rejects as a PostFailure of kind %s after one request', async (_label, kind, reply) => {
  next = () => reply;
  const before = stub.requests.length;
  const failed = gateway().post('c', 'x');
  await expect(failed).rejects.toBeInstanceOf(PostFailure);
  await expect(failed).rejects.toMatchObject({ kind });
  // The SDK's own retries are off for posts: the core retries, with its deadline and its counts.
  expect(stub.requests.length - before).toBe(1);
});

test('a connection dropped without an answer is a network failure', async () => {
  next = () => Promise.reject(new Error('drop the socket'));
  await expect(gateway().post('c', 'x')).rejects.toMatchObject({ name: 'PostFailure', kind: 'network' });
});

describe('the core retrying through the real client', () => {
  const policy: RetryPolicy = { baseDelayMs: 10, maxDelayMs: 50, maxRetries: 50, deadlineMs: 400 };

  test('a post answered 429 then 200 is delivered once', async () => {
    const answers = [answer(429, 'LimitExceededException'), answer(200)];
    next = () => answers.shift() ?? answer(500);
    const before = stub.requests.length;
    const report = await deliverFrame(gateway(), ['a'], 'hello', { policy, clock: systemRetryClock });
    expect(report).toEqual({ delivered: 1, gone: [], throttled: 1, retried: 1, dropped: [] });
    expect(stub.requests.length - before).toBe(2);
  });

  test('a post answered 429 past the deadline is dropped and counted', async () => {
    next = (path) => (path.endsWith('/busy') ? answer(429, 'LimitExceededException') : answer(200));
    const started = Date.now();
    const report = await deliverFrame(gateway(), ['busy', 'fine'], 'hello', { policy, clock: systemRetryClock });
    expect(report.delivered).toBe(1);
    expect(report.dropped).toEqual([{ connectionId: 'busy', reason: 'throttled' }]);
    expect(report.throttled).toBe(report.retried + 1);
    // The deadline, plus at most one post's round trip (generous: the machine is shared).
    expect(Date.now() - started).toBeLessThan(policy.deadlineMs + 2_000);
  });
});
