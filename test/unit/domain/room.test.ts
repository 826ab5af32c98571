import { assertReviewHandlerInScope, newRoom, roomIdOf, toRoomOutput, toRoomPatch, toRoomSummary } from '../../../lambdas/domain/room';
import { newId } from '../../../lambdas/domain/ids';
import { ResourceNotFoundException, ValidationException } from '../../../lambdas/shared/errors';

const scope = { region: 'us-west-2', accountId: '123456789012' };
const fixed = { newId: () => 'abcdEFGH1234', now: () => new Date('2024-01-01T00:00:00Z') };

describe('newRoom', () => {
  test('fills in AWS defaults (TV1)', () => {
    expect(toRoomOutput(newRoom({}, scope, fixed))).toEqual({
      arn: 'arn:aws:ivschat:us-west-2:123456789012:room/abcdEFGH1234',
      id: 'abcdEFGH1234',
      name: '',
      createTime: '2024-01-01T00:00:00.000Z',
      updateTime: '2024-01-01T00:00:00.000Z',
      maximumMessageRatePerSecond: 10,
      maximumMessageLength: 500,
      tags: {},
      loggingConfigurationIdentifiers: [],
    });
  });

  test('keeps given values; a handler without fallbackResult falls back to ALLOW', () => {
    const room = newRoom(
      {
        name: 'my-room_1',
        maximumMessageRatePerSecond: 100,
        maximumMessageLength: 1,
        messageReviewHandler: { uri: 'arn:aws:lambda:us-west-2:123456789012:function:review' },
        tags: { env: 'test' },
      },
      scope,
      fixed,
    );
    expect(room).toMatchObject({
      name: 'my-room_1',
      maximumMessageRatePerSecond: 100,
      maximumMessageLength: 1,
      messageReviewHandler: { uri: 'arn:aws:lambda:us-west-2:123456789012:function:review', fallbackResult: 'ALLOW' },
      tags: { env: 'test' },
    });
  });

  test('an empty handler uri means no handler', () => {
    expect(newRoom({ messageReviewHandler: { uri: '', fallbackResult: 'DENY' } }, scope, fixed).messageReviewHandler).toBeUndefined();
  });
});

describe('toRoomPatch', () => {
  test('keeps only the members given, and turns an empty uri into a removal', () => {
    expect(toRoomPatch({ identifier: 'x', name: 'n' })).toEqual({ name: 'n' });
    expect(toRoomPatch({ identifier: 'x', messageReviewHandler: { uri: '' } })).toEqual({ messageReviewHandler: null });
    expect(toRoomPatch({ identifier: 'x', loggingConfigurationIdentifiers: [] })).toEqual({ loggingConfigurationIdentifiers: [] });
  });
});

test('a RoomSummary has no message limits', () => {
  const summary = toRoomSummary(newRoom({}, scope, fixed));
  expect(summary).not.toHaveProperty('maximumMessageLength');
  expect(summary).not.toHaveProperty('maximumMessageRatePerSecond');
  expect(summary).toHaveProperty('arn');
});

test('roomIdOf accepts only ARNs of this region and account', () => {
  expect(roomIdOf('arn:aws:ivschat:us-west-2:123456789012:room/abcdEFGH1234', scope)).toBe('abcdEFGH1234');
  expect(() => roomIdOf('arn:aws:ivschat:eu-west-1:123456789012:room/abcdEFGH1234', scope)).toThrow(ResourceNotFoundException);
  expect(() => roomIdOf('arn:aws:ivschat:us-west-2:999999999999:room/abcdEFGH1234', scope)).toThrow(ResourceNotFoundException);
});

test("a review handler must be a function of the room's own account and region", () => {
  const lambda = (region: string, account: string, rest = 'function:review') => ({ uri: `arn:aws:lambda:${region}:${account}:${rest}` });
  expect(() => assertReviewHandlerInScope(lambda('us-west-2', '123456789012'), scope)).not.toThrow();
  expect(() => assertReviewHandlerInScope(lambda('us-west-2', '123456789012', 'function:review:live'), scope)).not.toThrow();
  expect(() => assertReviewHandlerInScope({ uri: '' }, scope)).not.toThrow();
  expect(() => assertReviewHandlerInScope(undefined, scope)).not.toThrow();
  for (const other of [lambda('us-east-1', '123456789012'), lambda('us-west-2', '999999999999')]) {
    expect(() => assertReviewHandlerInScope(other, scope)).toThrow(ValidationException);
  }
  expect(() => assertReviewHandlerInScope(lambda('us-east-1', '123456789012'), scope)).toThrow(
    expect.objectContaining({ fieldList: [{ name: 'messageReviewHandler.uri', message: expect.stringContaining('us-west-2') }] }),
  );
});

test('newId makes 12 alphanumerics without repeats', () => {
  const ids = new Set(Array.from({ length: 2000 }, () => newId()));
  expect(ids.size).toBe(2000);
  for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9]{12}$/);
});
