import type { Connection, ConnectionStore } from '../../../lambdas/data/connections';
import { withSessionsInMemory } from '../../../lib/local/sessions';

/** A table stand-in: records by id; `failRemoves` makes removes throw, as a database error would. */
function recordsStore() {
  const records = new Map<string, Connection>();
  let queries = 0;
  const state = { failRemoves: false };
  const store: ConnectionStore = {
    put: async (c) => void records.set(c.connectionId, c),
    get: async (id) => records.get(id),
    remove: async (id, options) => {
      if (state.failRemoves) throw new Error('database down');
      const c = records.get(id);
      if (!c || (options?.connectedBefore !== undefined && c.connectedAt >= options.connectedBefore)) return undefined;
      records.delete(id);
      return c;
    },
    idsInRoom: async () => [],
    idsOfUser: async () => [],
    expired: async () => {
      queries++;
      return [];
    },
  };
  return { store, records, state, queries: () => queries };
}

const connection = (connectionId: string, sessionExpiresAt: number, connectedAt = 0): Connection => ({
  connectionId,
  roomId: 'room',
  roomArn: 'arn',
  userId: 'u',
  capabilities: [],
  attributes: {},
  sessionExpiresAt,
  connectedAt,
});

test('finds expired sessions from memory, never querying the table', async () => {
  const inner = recordsStore();
  const store = withSessionsInMemory(inner.store);
  expect(await store.expired(1_000, 60_000)).toEqual([]);
  await store.put(connection('a', 5_000));
  await store.put(connection('b', 9_000));
  expect(await store.expired(4_999, 60_000)).toEqual([]);
  expect(await store.expired(5_000, 60_000)).toEqual(['a']);
  await store.remove('a');
  expect(await store.expired(6_000, 60_000)).toEqual([]);
  // However long ago a session ended, it is found (the index query looked back a fixed window).
  expect(await store.expired(10_000_000, 60_000)).toEqual(['b']);
  expect(inner.queries()).toBe(0);
});

test('a session whose record could not be removed is found again on the next sweep', async () => {
  const inner = recordsStore();
  const store = withSessionsInMemory(inner.store);
  await store.put(connection('a', 5_000));
  inner.state.failRemoves = true;
  expect(await store.expired(6_000, 0)).toEqual(['a']);
  await expect(store.remove('a')).rejects.toThrow('database down');
  expect(await store.expired(7_000, 0)).toEqual(['a']);
  inner.state.failRemoves = false;
  await store.remove('a');
  expect(await store.expired(8_000, 0)).toEqual([]);
});

test('a conditional remove that removed nothing keeps the session watched', async () => {
  const inner = recordsStore();
  const store = withSessionsInMemory(inner.store);
  await store.put(connection('new', 5_000, 2_000));
  expect(await store.remove('new', { connectedBefore: 1_000 })).toBeUndefined();
  expect(await store.expired(5_000, 0)).toEqual(['new']);
  expect(await store.remove('new', { connectedBefore: 3_000 })).toBeDefined();
  expect(await store.expired(5_000, 0)).toEqual([]);
});
