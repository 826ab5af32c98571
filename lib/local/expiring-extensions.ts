import type { BanStore } from '../../lambdas/data/bans';
import type { HistoryStore } from '../../lambdas/data/history';
import { banKey, historyKey } from '../../lambdas/data/keys';
import type { ExpirySweeper } from './expiry';

// DynamoDB's TTL for the extensions' items in local mode (see expiry.ts): history entries go once
// their retention is over, bans with a duration once they ended. The keys and expiries are those
// data/history.ts and data/bans.ts write; reads check them on their own, so the sweep is storage only.

/** `store` with each put's item tracked for the sweep (when it expires), whether or not the put succeeded. */
function tracked<S extends { put(roomId: string, item: I): Promise<void> }, I>(
  store: S,
  sweeper: ExpirySweeper,
  expiryOf: (roomId: string, item: I) => [key: { PK: string; SK: string }, epochSeconds: number] | undefined,
): S {
  return {
    ...store,
    put: async (roomId: string, item: I) => {
      try {
        await store.put(roomId, item);
      } finally {
        const expiry = expiryOf(roomId, item);
        if (expiry) sweeper.track(...expiry);
      }
    },
  };
}

export const trackHistory = (store: HistoryStore, sweeper: ExpirySweeper): HistoryStore =>
  tracked(store, sweeper, (roomId, entry: Parameters<HistoryStore['put']>[1]) => [
    historyKey(roomId, entry.id),
    Math.ceil(entry.expiresAtMs / 1000),
  ]);

export const trackBans = (store: BanStore, sweeper: ExpirySweeper): BanStore =>
  tracked(store, sweeper, (roomId, ban: Parameters<BanStore['put']>[1]) =>
    ban.expirationTime === undefined ? undefined : [banKey(roomId, ban.userId), Math.ceil(Date.parse(ban.expirationTime) / 1000)],
  );
