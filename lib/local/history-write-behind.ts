import { BATCH_WRITE_SIZE } from '../../lambdas/data/batch-writes';
import type { HistoryEntry, HistoryStore } from '../../lambdas/data/history';
import { logger } from '../../lambdas/shared/logger';

/** How long an entry waits for others to share its write. */
const GATHER_MS = 100;
/**
 * Entries waiting or being written, at most; a put past it waits until the writes before it are
 * done, so a table slower than the chat slows the senders instead of growing this queue.
 */
export const MAX_UNWRITTEN = 1_000;

/** A HistoryStore whose puts are written behind; `flush` resolves once everything put so far is written (or given up). */
export interface HistoryWrittenBehind extends HistoryStore {
  flush(): Promise<void>;
}

/**
 * History for a table held in memory (local mode without a data dir): entries are gathered for up
 * to GATHER_MS, or until a BatchWriteItem's worth has come, and written together, instead of one
 * PutItem after every message. dynalite runs in this process, and a lone put between two messages
 * costs several hundred microseconds of CPU (the fan-out in between has evicted its code and data
 * from the caches), more than the rest of the message; in a batch it costs a fraction of that.
 *
 * What it changes: `put` answers before the entry is in the table. Nothing the table would have
 * kept is lost, since a crash loses an in-memory table whole, and a failed batch is logged as a
 * failed put was. Reads through this store (ListMessages) and removes (DeleteMessage) first wait
 * for the writes before them, so they see every message already delivered; only a reader of the
 * raw table through dynalite's HTTP endpoint may find an entry GATHER_MS late. With a data dir
 * every put is awaited as before (local-stack.ts), so a kill loses no delivered message's entry.
 */
export function withHistoryWrittenBehind(store: HistoryStore, gatherMs = GATHER_MS): HistoryWrittenBehind {
  let gathered: { roomId: string; entry: HistoryEntry }[] = [];
  let unwritten = 0;
  let timer: NodeJS.Timeout | undefined;
  /** The batches in progress, one after another; never rejects. */
  let writing: Promise<void> = Promise.resolve();

  const flush = (): Promise<void> => {
    clearTimeout(timer);
    timer = undefined;
    if (gathered.length > 0) {
      const batch = gathered;
      gathered = [];
      writing = writing
        .then(() => store.putAll(batch))
        .catch((err: unknown) => logger.warn('could not keep messages in history', { entries: batch.length, error: err as Error }))
        .finally(() => (unwritten -= batch.length));
    }
    return writing;
  };

  return {
    ...store,
    put: async (roomId, entry) => {
      gathered.push({ roomId, entry });
      unwritten++;
      // Past the bound every put waits (not only the one that fills a batch): each sender is held.
      if (unwritten > MAX_UNWRITTEN) return flush();
      if (gathered.length < BATCH_WRITE_SIZE) timer ??= setTimeout(() => void flush(), gatherMs).unref();
      else void flush();
    },
    putAll: async (entries) => {
      await flush();
      await store.putAll(entries);
    },
    remove: async (roomId, id) => {
      await flush();
      await store.remove(roomId, id);
    },
    listPage: async (query) => {
      await flush();
      return store.listPage(query);
    },
    flush,
  };
}
