import type { HistoryEntry, HistoryStore } from '../../../lambdas/data/history';
import { MAX_UNWRITTEN, withHistoryWrittenBehind } from '../../../lib/local/history-write-behind';
import { logger } from '../../../lambdas/shared/logger';

const entry = (id: string): HistoryEntry => ({ id, type: 'MESSAGE', sendTime: '2026-01-01T00:00:00.000Z', frame: '{}', expiresAtMs: 0 });

/** A store that records its calls in order; `gate` holds every putAll until it is opened. */
function recordingStore(options: { failFirst?: boolean } = {}) {
  const calls: string[] = [];
  let open: () => void = () => undefined;
  let gate: Promise<void> | undefined;
  let failures = options.failFirst ? 1 : 0;
  const store: HistoryStore = {
    put: async (_roomId, e) => void calls.push(`put ${e.id}`),
    putAll: async (entries) => {
      await gate;
      if (failures-- > 0) throw new Error('the table is down');
      calls.push(`putAll ${entries.map((e) => e.entry.id).join(',')}`);
    },
    remove: async (_roomId, id) => void calls.push(`remove ${id}`),
    listPage: async () => {
      calls.push('listPage');
      return { frames: [] };
    },
  };
  return {
    store,
    calls,
    close: () => (gate = new Promise<void>((resolve) => (open = resolve))),
    open: () => open(),
  };
}

const settled = async (promise: Promise<unknown>) => {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
};

test('puts answer at once and are written together after the gathering time', async () => {
  const s = recordingStore();
  const history = withHistoryWrittenBehind(s.store, 20);
  await history.put('r', entry('a'));
  await history.put('r', entry('b'));
  expect(s.calls).toEqual([]);
  await new Promise((resolve) => setTimeout(resolve, 60));
  expect(s.calls).toEqual(['putAll a,b']);
});

test('a batch write worth of entries is written without waiting', async () => {
  const s = recordingStore();
  const history = withHistoryWrittenBehind(s.store, 60_000);
  for (let i = 0; i < 25; i++) await history.put('r', entry(`m${i}`));
  await history.flush();
  expect(s.calls).toHaveLength(1);
  expect(s.calls[0]?.split(',')).toHaveLength(25);
});

test('reads and removes wait for the entries put before them', async () => {
  const s = recordingStore();
  const history = withHistoryWrittenBehind(s.store, 60_000);
  await history.put('r', entry('a'));
  await history.listPage({ roomId: 'r', now: 0, limit: 10, includeEvents: false });
  await history.put('r', entry('b'));
  await history.remove('r', 'b');
  expect(s.calls).toEqual(['putAll a', 'listPage', 'putAll b', 'remove b']);
});

test('a failed batch is logged, not thrown, and later batches are still written', async () => {
  const warn = jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
  try {
    const s = recordingStore({ failFirst: true });
    const history = withHistoryWrittenBehind(s.store, 60_000);
    await history.put('r', entry('lost'));
    await expect(history.flush()).resolves.toBeUndefined();
    await history.put('r', entry('kept'));
    await history.flush();
    expect(s.calls).toEqual(['putAll kept']);
    expect(warn).toHaveBeenCalledWith('could not keep messages in history', expect.objectContaining({ entries: 1 }));
  } finally {
    warn.mockRestore();
  }
});

test(`past ${MAX_UNWRITTEN} unwritten entries a put waits for the writes before it`, async () => {
  const s = recordingStore();
  s.close();
  const history = withHistoryWrittenBehind(s.store, 60_000);
  for (let i = 0; i < MAX_UNWRITTEN; i++) expect(await settled(history.put('r', entry(`m${i}`)))).toBe(true);
  // The 1,000 are gathered or stuck behind the closed gate; the next batch's last put must wait.
  const waiting = Array.from({ length: 25 }, (_, i) => history.put('r', entry(`over${i}`)));
  expect(await settled(waiting[24] as Promise<void>)).toBe(false);
  // Not only the put that fills a batch: every one past the bound.
  expect(await settled(waiting[0] as Promise<void>)).toBe(false);
  s.open();
  await Promise.all(waiting);
  await history.flush();
  expect(s.calls.join(',').split(',')).toHaveLength(MAX_UNWRITTEN + 25);
});
