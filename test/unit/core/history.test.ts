import { createHistory } from '../../../lambdas/core/history';
import type { HistoryEntry, HistoryStore } from '../../../lambdas/data/history';

const frame = (requestId = 'r-1') =>
  JSON.stringify({
    Type: 'MESSAGE',
    Id: 'abcdEFGH1234',
    RequestId: requestId,
    Attributes: null,
    Content: 'hi',
    SendTime: '2026-01-01T00:00:00.000Z',
    Sender: { UserId: 'u', Attributes: {} },
  });

/** A store that keeps what it is given, or fails every call. */
function store(fails = false) {
  const put: [string, HistoryEntry][] = [];
  const removed: [string, string][] = [];
  const fail = () => Promise.reject(new Error('DynamoDB is down'));
  const s: HistoryStore = {
    put: async (roomId, entry) => (fails ? fail() : void put.push([roomId, entry])),
    putAll: fail,
    remove: async (roomId, id) => (fails ? fail() : void removed.push([roomId, id])),
    listPage: fail,
  };
  return { store: s, put, removed };
}

test('keeps the delivered frame without its RequestId, expiring after the retention', async () => {
  const s = store();
  await createHistory({ store: s.store, retentionMs: 3_600_000 }).keep('room1', frame());
  expect(s.put).toEqual([
    [
      'room1',
      {
        id: 'abcdEFGH1234',
        type: 'MESSAGE',
        sendTime: '2026-01-01T00:00:00.000Z',
        frame: expect.not.stringContaining('RequestId'),
        expiresAtMs: Date.UTC(2026, 0, 1, 1),
      },
    ],
  ]);
});

test('a failing store never fails (or rejects) the delivery it follows', async () => {
  const history = createHistory({ store: store(true).store, retentionMs: 1_000 });
  await expect(history.keep('room1', frame())).resolves.toBeUndefined();
  await expect(history.forget('room1', 'abcdEFGH1234')).resolves.toBeUndefined();
  await expect(history.keep('room1', 'not json')).resolves.toBeUndefined();
});

test('retention 0 writes nothing at all', async () => {
  const s = store();
  const history = createHistory({ store: s.store, retentionMs: 0 });
  await history.keep('room1', frame());
  await history.forget('room1', 'abcdEFGH1234');
  expect([s.put, s.removed]).toEqual([[], []]);
});
