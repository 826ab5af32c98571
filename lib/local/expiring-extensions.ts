import type { BanStore } from '../../lambdas/data/bans';
import type { HistoryStore } from '../../lambdas/data/history';
import { banKey, historyKey } from '../../lambdas/data/keys';
import type { ExpirySweeper } from './expiry';

/**
 * DynamoDB's TTL for the extensions' items in local mode (see expiry.ts): history entries go once
 * their retention is over, bans with a duration once they ended. The keys and expiries are those
 * data/history.ts and data/bans.ts write; reads check them on their own, so the sweep is storage only.
 */
export function trackHistory(store: HistoryStore, sweeper: ExpirySweeper): HistoryStore {
  return {
    ...store,
    put: async (roomId, entry) => {
      try {
        await store.put(roomId, entry);
      } finally {
        sweeper.track(historyKey(roomId, entry.id), Math.ceil(entry.expiresAtMs / 1000));
      }
    },
  };
}

export function trackBans(store: BanStore, sweeper: ExpirySweeper): BanStore {
  return {
    ...store,
    put: async (roomId, ban) => {
      try {
        await store.put(roomId, ban);
      } finally {
        if (ban.expirationTime !== undefined) sweeper.track(banKey(roomId, ban.userId), Math.ceil(Date.parse(ban.expirationTime) / 1000));
      }
    },
  };
}
