import { banUserInput, newBan } from '../../../lambdas/domain/bans';
import { historyEntryOf, listMessagesInput } from '../../../lambdas/domain/history';
import { PRESENCE_POSITION_PATTERN, byUserId, presencePosition } from '../../../lambdas/domain/presence';
import { check, parseInput } from '../../../lambdas/domain/validate';

const ROOM = 'arn:aws:ivschat:us-east-1:000000000000:room/abcdEFGH1234';

describe('ListMessages times', () => {
  const times = (startTime: string) => check(listMessagesInput, { roomIdentifier: ROOM, startTime }).value?.startTime;

  test('RFC 3339 with Z or an offset, read as epoch ms', () => {
    expect(times('2026-01-01T00:00:00Z')).toBe(Date.UTC(2026, 0, 1));
    expect(times('2026-01-01T01:00:00+01:00')).toBe(Date.UTC(2026, 0, 1));
    expect(times('2026-01-01T00:00:00.123Z')).toBe(Date.UTC(2026, 0, 1) + 123);
  });

  test('a fraction finer than milliseconds rounds up, so an entry at .000 is before .0005', () => {
    expect(times('2026-01-01T00:00:00.0005Z')).toBe(Date.UTC(2026, 0, 1) + 1);
    expect(times('2026-01-01T00:00:00.000000Z')).toBe(Date.UTC(2026, 0, 1));
  });

  test('other shapes are refused', () => {
    for (const bad of ['2026-01-01', '2026-01-01 00:00:00Z', '2026-02-30T00:00:00Z', 'now', '2026-01-01T00:00:00']) {
      expect(check(listMessagesInput, { roomIdentifier: ROOM, startTime: bad }).errors.map((e) => e.name)).toEqual(['startTime']);
    }
  });

  test('an end at or before the start is refused', () => {
    const at = '2026-01-01T00:00:00Z';
    expect(check(listMessagesInput, { roomIdentifier: ROOM, startTime: at, endTime: at }).errors.map((e) => e.name)).toEqual(['endTime']);
  });
});

test('history keeps the delivered frame without its RequestId', () => {
  const frame = JSON.stringify({
    Type: 'MESSAGE',
    Id: 'abcdEFGH1234',
    RequestId: 'r-1',
    Attributes: null,
    Content: 'a\ud800',
    SendTime: '2026-01-01T00:00:00.000Z',
    Sender: { UserId: 'u', Attributes: {} },
  });
  const entry = historyEntryOf(frame);
  expect(entry).toMatchObject({ id: 'abcdEFGH1234', type: 'MESSAGE', sendTime: '2026-01-01T00:00:00.000Z' });
  const { RequestId: _r, ...rest } = JSON.parse(frame) as Record<string, unknown>;
  expect(JSON.parse(entry.frame)).toEqual(rest);
  expect(() => historyEntryOf(JSON.stringify({ Type: 'ERROR', Id: 'x' }))).toThrow();
});

test('presence orders user ids by code point, as their positions do', () => {
  const ids = ['😀', 'b', 'Z', 'é', '\uffff', 'a#'];
  const sorted = [...ids].sort(byUserId);
  expect(sorted).toEqual(['Z', 'a#', 'b', 'é', '\uffff', '😀']);
  const positions = sorted.map(presencePosition);
  expect([...positions].sort()).toEqual(positions);
  for (const p of positions) expect(p).toMatch(PRESENCE_POSITION_PATTERN);
});

test('a ban ends durationInMinutes minutes after it was made; without one, never', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  expect(newBan(parseInput(banUserInput, { roomIdentifier: ROOM, userId: 'u', durationInMinutes: 2 }), now, 60_000)).toEqual({
    userId: 'u',
    createTime: '2026-01-01T00:00:00.000Z',
    expirationTime: '2026-01-01T00:02:00.000Z',
  });
  expect(newBan(parseInput(banUserInput, { roomIdentifier: ROOM, userId: 'u', reason: 'r' }), now, 60_000)).toEqual({
    userId: 'u',
    reason: 'r',
    createTime: '2026-01-01T00:00:00.000Z',
  });
});
