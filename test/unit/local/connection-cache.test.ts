import type { Connection, ConnectionStore } from '../../../lambdas/data/connections';
import { withMemoryCache } from '../../../lib/local/connection-cache';

const conn = (connectionId: string, roomId = 'room1'): Connection => ({
  connectionId,
  roomId,
  roomArn: `arn:aws:ivschat:us-east-1:000000000000:room/${roomId}`,
  userId: `user-${connectionId}`,
  capabilities: [],
  attributes: {},
  sessionExpiresAt: Date.now() + 60_000,
  connectedAt: Date.now(),
});

/** A store kept in a Map, counting its room queries; `hold` makes the next query wait for `release`. */
function fakeStore() {
  const records = new Map<string, Connection>();
  let queries = 0;
  let gate: Promise<void> | undefined;
  let release = () => undefined as void;
  const store: ConnectionStore = {
    put: async (c) => void records.set(c.connectionId, c),
    get: async (id) => records.get(id),
    remove: async (id) => {
      const c = records.get(id);
      records.delete(id);
      return c;
    },
    idsInRoom: async (roomId) => {
      queries += 1;
      const ids = [...records.values()].filter((c) => c.roomId === roomId).map((c) => c.connectionId);
      if (gate) await gate;
      return ids;
    },
    idsOfUser: async () => [],
    expired: async () => [],
  };
  return {
    store,
    records,
    queries: () => queries,
    hold: () => {
      gate = new Promise<void>((resolve) => (release = resolve));
    },
    release: () => {
      gate = undefined;
      release();
    },
  };
}

test('a room is queried once; puts and removes keep its list current', async () => {
  const fake = fakeStore();
  const cached = withMemoryCache(fake.store);
  await cached.put(conn('a'));
  await cached.put(conn('other', 'room2'));
  expect(await cached.idsInRoom('room1')).toEqual(['a']);
  await cached.put(conn('b'));
  expect(await cached.idsInRoom('room1')).toEqual(['a', 'b']);
  await cached.remove('a');
  expect(await cached.idsInRoom('room1')).toEqual(['b']);
  expect(fake.queries()).toBe(1);
  expect(fake.records.has('a')).toBe(false);
});

test('a put and a remove made while the room is being read are not lost', async () => {
  const fake = fakeStore();
  const cached = withMemoryCache(fake.store);
  await cached.put(conn('old'));
  fake.hold();
  const reading = cached.idsInRoom('room1');
  await cached.put(conn('new'));
  await cached.remove('old');
  fake.release();
  expect(await reading).toEqual(['new']);
  expect(await cached.idsInRoom('room1')).toEqual(['new']);
  expect(fake.queries()).toBe(1);
});

test('concurrent reads of a room share one query', async () => {
  const fake = fakeStore();
  const cached = withMemoryCache(fake.store);
  await cached.put(conn('a'));
  const lists = await Promise.all([cached.idsInRoom('room1'), cached.idsInRoom('room1'), cached.idsInRoom('room1')]);
  expect(lists).toEqual([['a'], ['a'], ['a']]);
  expect(fake.queries()).toBe(1);
});

test('records are still read from the store', async () => {
  const fake = fakeStore();
  const cached = withMemoryCache(fake.store);
  await cached.put(conn('a'));
  const changed = { ...conn('a'), sessionExpiresAt: 1 };
  fake.records.set('a', changed);
  expect(await cached.get('a')).toEqual(changed);
});

test('a list is read again once it is 10 s old', async () => {
  const fake = fakeStore();
  let now = 0;
  const cached = withMemoryCache(fake.store, () => now);
  await cached.put(conn('a'));
  await cached.idsInRoom('room1');
  fake.records.set('external', conn('external'));
  now = 9_999;
  expect(await cached.idsInRoom('room1')).toEqual(['a']);
  now = 10_000;
  expect(await cached.idsInRoom('room1')).toEqual(['a', 'external']);
  expect(fake.queries()).toBe(2);
});
