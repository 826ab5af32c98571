import type { ConnectionStore } from '../../lambdas/data/connections';

/**
 * A ConnectionStore that answers `expired()` from memory: local mode's session sweeper asks every
 * second, and the table query behind it (one per minute of look-back) then ran all day with no
 * session anywhere near its end. It holds for a process through which every connection record is
 * written, which local mode is: at start, records left by an earlier process are removed
 * (reconcile.ts), and every later one is put through this store. Each put notes the session's end
 * before the record is written (so a failed put can only make the sweeper look at an id that has
 * no record, which it handles), and a connection stays noted until its record is removed, so a
 * session whose removal failed is found again on the next sweep, as with the table's index.
 * Unlike the index query, it has no look-back window: an expired session is found however old.
 * When nothing can have expired yet, `expired()` costs one comparison.
 */
export function withSessionsInMemory(store: ConnectionStore): ConnectionStore {
  /** Session end (epoch ms) of every connection whose record may exist. */
  const sessions = new Map<string, number>();
  /** No session in `sessions` ends before this (it may be lower than the true minimum, never higher). */
  let earliest = Infinity;

  return {
    ...store,
    put: async (connection) => {
      sessions.set(connection.connectionId, connection.sessionExpiresAt);
      earliest = Math.min(earliest, connection.sessionExpiresAt);
      await store.put(connection);
    },
    remove: async (connectionId, options) => {
      const removed = await store.remove(connectionId, options);
      // A conditional remove that removed nothing leaves the record (if any) and so the session.
      if (removed || options?.connectedBefore === undefined) sessions.delete(connectionId);
      return removed;
    },
    expired: async (now) => {
      if (now < earliest) return [];
      const ids: string[] = [];
      let next = Infinity;
      for (const [connectionId, endsAt] of sessions) {
        if (endsAt <= now) ids.push(connectionId);
        next = Math.min(next, endsAt);
      }
      earliest = next;
      return ids;
    },
  };
}
