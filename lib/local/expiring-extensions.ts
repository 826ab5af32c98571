import type { BanStore } from '../../lambdas/data/bans';
import type { HistoryStore } from '../../lambdas/data/history';
import { banKey, historyKey } from '../../lambdas/data/keys';
import type { ExpirySweeper } from './expiry';

/**
 * DynamoDB's TTL for the extensions' items in local mode (see expiry.ts): history entries go once
 * their retention is over, bans with a duration once they ended. The keys and expiries are those
 * data/history.ts and data/bans.ts write; reads check them on their own, so the sweep is storage only.
 */
export const trackHistory = (store: HistoryStore, sweeper: ExpirySweeper): HistoryStore =>
  trackPuts<Parameters<HistoryStore['put']>[1], HistoryStore>(store, sweeper, (roomId, entry) => [
    historyKey(roomId, entry.id),
    entry.expiresAtMs,
  ]);

export const trackBans = (store: BanStore, sweeper: ExpirySweeper): BanStore =>
  trackPuts<Parameters<BanStore['put']>[1], BanStore>(store, sweeper, (roomId, ban) => [
    banKey(roomId, ban.userId),
    ban.expirationTime === undefined ? undefined : Date.parse(ban.expirationTime),
  ]);

/** A store whose every put (even one that failed half-way) has its item's key and expiry (epoch ms; none: never) tracked. */
function trackPuts<T, S extends { put(roomId: string, item: T): Promise<void> }>(
  store: S,
  sweeper: ExpirySweeper,
  expiryOf: (roomId: string, item: T) => [key: Parameters<ExpirySweeper['track']>[0], expiresAtMs: number | undefined],
): S {
  return {
    ...store,
    put: async (roomId: string, item: T) => {
      try {
        await store.put(roomId, item);
      } finally {
        const [key, expiresAtMs] = expiryOf(roomId, item);
        if (expiresAtMs !== undefined) sweeper.track(key, Math.ceil(expiresAtMs / 1000));
      }
    },
  };
}
