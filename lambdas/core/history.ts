import { HISTORY_POSITION_PATTERN, HistoryStore } from '../data/history';
import { ListMessagesInput, historyEntryOf } from '../domain/history';
import { toRfc3339 } from '../domain/ids';
import { roomIdOf } from '../domain/room';
import { logger } from '../shared/logger';
import type { Deps } from './deps';
import { readPage } from './pages';

/**
 * A room's message history: what was delivered, kept after the fan-out so that it never delays a
 * delivery, and never fails one (a write that fails is logged and lost, like a frame to a client
 * that is gone). Kept for `retentionMs`; 0 keeps nothing.
 */
export interface History {
  /** Keeps a delivered MESSAGE or EVENT frame; never rejects. */
  keep(roomId: string, frame: string): Promise<void>;
  /** Forgets a deleted message; never rejects. */
  forget(roomId: string, messageId: string): Promise<void>;
  readonly retentionMs: number;
}

const DEFAULT_MAX_RESULTS = 50;

export function createHistory(deps: { store: HistoryStore; retentionMs: number }): History {
  const { store, retentionMs } = deps;
  return {
    retentionMs,
    keep: async (roomId, frame) => {
      if (retentionMs === 0) return;
      try {
        const entry = historyEntryOf(frame);
        await store.put(roomId, { ...entry, expiresAtMs: Date.parse(entry.sendTime) + retentionMs });
      } catch (err) {
        logger.warn('could not keep a message in history', { roomId, error: err as Error });
      }
    },
    forget: async (roomId, messageId) => {
      if (retentionMs === 0) return;
      await store
        .remove(roomId, messageId)
        .catch((err: unknown) => logger.warn('could not remove a message from history', { roomId, error: err as Error }));
    },
  };
}

/** ListMessages: newest first, within the time range, events only when asked; nothing when history is off. */
export async function listMessages(deps: Pick<Deps, 'scope' | 'idClock' | 'rooms' | 'history' | 'historyStore'>, input: ListMessagesInput) {
  const { roomIdentifier, nextToken, maxResults, startTime, endTime } = input;
  const includeEvents = input.includeEvents ?? false;
  const roomId = roomIdOf(roomIdentifier, deps.scope);
  await deps.rooms.get(roomId);
  const filters = {
    roomId,
    startTime: startTime === undefined ? undefined : String(startTime),
    endTime: endTime === undefined ? undefined : String(endTime),
    includeEvents: String(includeEvents),
  };
  // Sort keys are `<SendTime>#<id>`: the bare time is below every key of its millisecond, so it is
  // an inclusive lower bound and an exclusive upper one.
  const between = {
    from: startTime === undefined ? undefined : toRfc3339(new Date(startTime)),
    to: endTime === undefined ? undefined : toRfc3339(new Date(endTime)),
  };
  const now = deps.idClock.now().getTime();
  const page = await readPage(
    {
      operation: 'ListMessages',
      filters,
      nextToken,
      maxResults,
      defaultMaxResults: DEFAULT_MAX_RESULTS,
      positions: HISTORY_POSITION_PATTERN,
    },
    async (query) => {
      if (deps.history.retentionMs === 0) return { items: [] };
      const { frames, last } = await deps.historyStore.listPage({ roomId, now, includeEvents, between, ...query });
      return { items: frames, last };
    },
  );
  return { messages: page.items.map((frame) => JSON.parse(frame) as unknown), ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
}
