import { createCountingMetrics } from '../../../lambdas/adapters/metrics';
import { DEFAULT_RETRY_POLICY } from '../../../lambdas/core/delivery';
import { testFanOut } from '../../fixtures/fakes';
import type { Connection, ConnectionStore } from '../../../lambdas/data/connections';
import type { Deps } from '../../../lambdas/core/deps';
import { handleFrame } from '../../../lambdas/core/frames';
import { closeRoom, disconnectUser, sendEvent } from '../../../lambdas/core/moderation';
import type { Room } from '../../../lambdas/domain/room';

const NOW = new Date('2026-01-01T00:00:00Z');
const room: Room = {
  id: 'abcdEFGH1234',
  arn: 'arn:aws:ivschat:us-east-1:000000000000:room/abcdEFGH1234',
  name: '',
  createTime: NOW.toISOString(),
  updateTime: NOW.toISOString(),
  maximumMessageRatePerSecond: 10,
  maximumMessageLength: 500,
  loggingConfigurationIdentifiers: [],
  tags: {},
};

/** Fake deps recording what the core asks of its ports; only the members these tests reach work. */
function fakeDeps(overrides: { posts?: Record<string, boolean | Error>; disconnectFails?: string[]; getFails?: boolean } = {}) {
  const posted: [string, Record<string, unknown>][] = [];
  const removed: [string, { connectedBefore?: number } | undefined][] = [];
  const closed: string[] = [];
  /** The order in which DisconnectUser notes the user and looks up its connections. */
  const steps: string[] = [];
  const unused = () => Promise.reject(new Error('not used by this test'));
  const metrics = createCountingMetrics();
  const connections: ConnectionStore = {
    put: unused,
    get: async () => {
      if (overrides.getFails) throw new Error('DynamoDB is down');
      return undefined as Connection | undefined;
    },
    remove: async (id, options) => {
      removed.push([id, options]);
      return undefined;
    },
    idsInRoom: async () => ['live', 'gone', 'broken'],
    idsOfUser: async () => {
      steps.push('lookup');
      return ['a', 'b'];
    },
    expired: unused,
  };
  const deps = {
    scope: { region: 'us-east-1', accountId: '000000000000' },
    idClock: { newId: () => 'newIdNewId12', now: () => NOW },
    rooms: { get: async () => room },
    connections,
    gateway: {
      post: async (id: string, frame: string) => {
        posted.push([id, JSON.parse(frame) as Record<string, unknown>]);
        const outcome = overrides.posts?.[id] ?? true;
        if (outcome instanceof Error) throw outcome;
        return outcome;
      },
      disconnect: async (id: string) => {
        if (overrides.disconnectFails?.includes(id)) throw new Error('throttled');
        closed.push(id);
      },
    },
    chatLog: { record: async () => undefined },
    metrics,
    fanOut: testFanOut(),
    history: { keep: async () => undefined, forget: async () => undefined, retentionMs: 0 },
    bans: { removeAll: async () => undefined },
    disconnections: {
      note: async (_roomId: string, userId: string, note: { id: string; at: number }) => void steps.push(`note ${userId} ${note.at}`),
    },
  } as unknown as Deps;
  return { deps, posted, removed, closed, steps, metrics };
}

test('a fan-out removes only the records of gone connections, and only ones older than a handshake', async () => {
  const { deps, posted, removed, metrics } = fakeDeps({ posts: { gone: false, broken: new Error('timeout') } });
  await sendEvent(deps, room.arn, { eventName: 'app:x' });
  // Gone is not retried; the broken one is, until its retries run out.
  expect(posted.filter(([id]) => id !== 'broken').map(([id]) => id)).toEqual(['live', 'gone']);
  expect(posted.filter(([id]) => id === 'broken').length).toBe(DEFAULT_RETRY_POLICY.maxRetries + 1);
  expect(removed).toEqual([['gone', { connectedBefore: NOW.getTime() - 30_000 }]]);
  expect(metrics.totals).toMatchObject({ Messages: 1, Deliveries: 1, Gone: 1, Dropped: 1, Retried: DEFAULT_RETRY_POLICY.maxRetries });
});

test('a failing connection read still answers the client with an ERROR carrying its RequestId', async () => {
  const { deps, posted } = fakeDeps({ getFails: true });
  await handleFrame(deps, 'live', JSON.stringify({ Action: 'SEND_MESSAGE', RequestId: 'r-1', Content: 'hi' }));
  expect(posted).toEqual([
    ['live', { Type: 'ERROR', Id: 'newIdNewId12', RequestId: 'r-1', ErrorCode: 500, ErrorMessage: 'An internal error occurred' }],
  ]);
});

test('a failing ERROR post does not throw out of $default', async () => {
  const { deps } = fakeDeps({ getFails: true, posts: { live: new Error('gateway down') } });
  await expect(handleFrame(deps, 'live', '{"Action":"SEND_MESSAGE","Content":"x"}')).resolves.toBeUndefined();
});

test('closing connections is best-effort: one that cannot be closed does not fail DisconnectUser or DeleteRoom', async () => {
  const { deps, closed, removed } = fakeDeps({ disconnectFails: ['a', 'live'] });
  await expect(disconnectUser(deps, room.id, { userId: 'u' })).resolves.toBeUndefined();
  expect(closed).toEqual(['b']);
  expect(removed).toEqual([['b', undefined]]);
  await expect(closeRoom(deps, room.id)).resolves.toBeUndefined();
  expect(closed).toEqual(['b', 'gone', 'broken']);
});

test('DisconnectUser notes the user before it looks up its connections (a $connect in between finds the note)', async () => {
  const { deps, steps } = fakeDeps();
  await disconnectUser(deps, room.id, { userId: 'u' });
  expect(steps).toEqual([`note u ${NOW.getTime()}`, 'lookup']);
});

test('a frame from a socket with no record (a zombie) gets an ERROR that settles its request, then the socket is closed', async () => {
  const { deps, posted, closed } = fakeDeps();
  await handleFrame(deps, 'zombie', JSON.stringify({ Action: 'SEND_MESSAGE', RequestId: 'r-1', Content: 'hi' }));
  expect(posted).toEqual([
    ['zombie', { Type: 'ERROR', Id: 'newIdNewId12', RequestId: 'r-1', ErrorCode: 403, ErrorMessage: 'The connection is closed' }],
  ]);
  expect(closed).toEqual(['zombie']);
});

test('a zombie is closed even when its ERROR cannot be sent', async () => {
  const { deps, closed } = fakeDeps({ posts: { zombie: new Error('gateway down') } });
  await handleFrame(deps, 'zombie', JSON.stringify({ Action: 'SEND_MESSAGE', RequestId: 'r-1', Content: 'hi' }));
  expect(closed).toEqual(['zombie']);
});
