import { CreateChatTokenCommand, GetRoomCommand, IvschatClient, ListRoomsCommand, ThrottlingException } from '@aws-sdk/client-ivschat';
import { OPERATION_RATES } from '../../../lambdas/control-plane/operations';
import { createRoom, sleep } from '../../helpers/chat';
import { ivschat, useLocalStack } from '../../helpers/local-stack';

/**
 * IVSCHAT_ENFORCE_QUOTAS=1: the local control plane throttles each operation at IVS's rate, as the
 * AWS stack's method throttles do, and the official SDK (one attempt, so nothing is retried)
 * raises ThrottlingException for what goes past it.
 */

/** Sends `count` calls at once; the errors, in order (undefined for a call that succeeded). */
const burst = (count: number, call: () => Promise<unknown>) =>
  Promise.all(
    Array.from({ length: count }, () =>
      call().then(
        () => undefined,
        (err: unknown) => err,
      ),
    ),
  );

describe('with IVSCHAT_ENFORCE_QUOTAS=1', () => {
  const { stack } = useLocalStack({ IVSCHAT_ENFORCE_QUOTAS: '1' });
  let client: IvschatClient;
  beforeAll(() => {
    client = ivschat(stack.apiUrl);
  });

  test('calls past an operation rate get ThrottlingException (429), and the bucket refills', async () => {
    const rate = OPERATION_RATES.ListRooms as number;
    const errors = await burst(rate * 3, () => client.send(new ListRoomsCommand({})));
    const throttled = errors.filter((e) => e instanceof ThrottlingException) as ThrottlingException[];
    // A burst of one second's worth passes; of three seconds' worth sent at once, most of the rest cannot.
    expect(errors.filter((e) => e === undefined).length).toBeGreaterThanOrEqual(rate);
    expect(throttled.length).toBeGreaterThanOrEqual(rate);
    expect(errors.every((e) => e === undefined || e instanceof ThrottlingException)).toBe(true);
    expect(throttled[0]).toMatchObject({ name: 'ThrottlingException', message: 'Too Many Requests', $metadata: { httpStatusCode: 429 } });
    await sleep(1_200);
    await expect(client.send(new ListRoomsCommand({}))).resolves.toBeDefined();
  });

  test('each operation has its own bucket: CreateChatToken (200/s) passes while GetRoom (5/s) is spent', async () => {
    // Room operations share nothing with token minting: spending GetRoom leaves CreateChatToken alone.
    await sleep(1_200);
    const room = await createRoom(client);
    const getRoom = await burst((OPERATION_RATES.GetRoom as number) * 3, () => client.send(new GetRoomCommand({ identifier: room.arn })));
    expect(getRoom.some((e) => e instanceof ThrottlingException)).toBe(true);
    const tokens = await burst(20, () => client.send(new CreateChatTokenCommand({ roomIdentifier: room.arn, userId: 'viewer' })));
    expect(tokens).toEqual(Array(20).fill(undefined));
  });
});

describe('by default', () => {
  const { stack } = useLocalStack();

  test('nothing is throttled', async () => {
    const client = ivschat(stack.apiUrl);
    const errors = await burst((OPERATION_RATES.ListRooms as number) * 4, () => client.send(new ListRoomsCommand({})));
    expect(errors.filter((e) => e !== undefined)).toEqual([]);
  });
});
