import type { ReviewRequest } from '../../../lambdas/domain/review';
import { createLambdaInvoker } from '../../../lambdas/adapters/review-handler-invoker';
import { AwsStub, STUB_CREDENTIALS, StubReply, startAwsStub } from '../../helpers/aws-stub';

const FUNCTION = 'arn:aws:lambda:us-east-1:000000000000:function:review';
const event: ReviewRequest = {
  Content: 'hi',
  MessageId: 'AbCdEfGhIjKl',
  RoomArn: 'arn:aws:ivschat:us-east-1:000000000000:room/abcdEFGH1234',
  Attributes: {},
  Sender: { UserId: 'ann', Attributes: {}, Ip: '192.0.2.1' },
};

let stub: AwsStub;
let next: () => StubReply | Promise<StubReply>;
beforeAll(async () => {
  stub = await startAwsStub(() => next());
});
afterAll(() => stub.close());

const invoker = () =>
  createLambdaInvoker({ region: 'us-east-1', clientConfig: { endpoint: stub.endpoint, credentials: STUB_CREDENTIALS } });
const signal = () => new AbortController().signal;

test('a synchronous Invoke of the function with the event as JSON; the answer is parsed', async () => {
  next = () => ({ body: JSON.stringify({ ReviewResult: 'ALLOW', Content: 'hi' }) });
  const before = stub.requests.length;
  await expect(invoker().invoke(FUNCTION, event, signal())).resolves.toEqual({ ReviewResult: 'ALLOW', Content: 'hi' });
  const [request] = stub.requests.slice(before);
  expect(request).toMatchObject({ method: 'POST', url: `/2015-03-31/functions/${encodeURIComponent(FUNCTION)}/invocations` });
  expect(request?.headers['x-amz-invocation-type']).toBe('RequestResponse');
  expect(JSON.parse(request?.body.toString() ?? '')).toEqual(event);
});

test('a function error is a failure, without the error payload in the message', async () => {
  next = () => ({ headers: { 'X-Amz-Function-Error': 'Unhandled' }, body: JSON.stringify({ errorMessage: 'hi was bad' }) });
  const failed = invoker().invoke(FUNCTION, event, signal());
  await expect(failed).rejects.toThrow('the function failed (Unhandled)');
  await expect(failed).rejects.not.toThrow(/hi was bad/);
});

test('an error from Lambda itself (no such function) is a failure, tried once', async () => {
  next = () => ({
    status: 404,
    headers: { 'x-amzn-ErrorType': 'ResourceNotFoundException' },
    body: JSON.stringify({ message: 'Function not found' }),
  });
  const before = stub.requests.length;
  await expect(invoker().invoke(FUNCTION, event, signal())).rejects.toThrow(/Function not found/);
  next = () => ({ status: 500, body: '{}' });
  await expect(invoker().invoke(FUNCTION, event, signal())).rejects.toThrow();
  expect(stub.requests.length - before).toBe(2);
});

test('an empty answer is null; the call stops when its signal aborts', async () => {
  next = () => ({ body: '' });
  await expect(invoker().invoke(FUNCTION, event, signal())).resolves.toBeNull();
  let answer: (reply: StubReply) => void = () => undefined;
  next = () => new Promise((resolve) => (answer = resolve));
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 50);
  const started = Date.now();
  await expect(invoker().invoke(FUNCTION, event, controller.signal)).rejects.toThrow();
  expect(Date.now() - started).toBeLessThan(1_000);
  answer({ body: '{}' });
});
