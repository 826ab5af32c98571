import { UsedTokenStore, usedTokenExpiry } from '../../lambdas/data/used-tokens';

/**
 * Local mode without a data dir: chat tokens' single-use claims kept in this process instead of
 * the in-memory table. Nothing outlives the process there, every $connect runs in it, and the
 * table's item (its key, its JSON, the tree node and the expiry sweeper's entry) cost about 0.3
 * KiB per connection and a conditional put per $connect. With a data dir the claims stay in the
 * table, so that a token stays used across restarts.
 *
 * A claim is kept as long as the table's item would be: until a minute after its token's expiry
 * (an expired token is refused before its claim is looked at). Claims wait in the order they were
 * made, which is about the order of their tokens' expiry (one token lifetime for all); each claim
 * first drops those at the front that are past, so a claim may stay up to one lifetime longer,
 * never less. Bounded as the table's items were: by the tokens minted (with credentials) within a
 * token's lifetime and the minute after.
 */
export function usedTokensInMemory(now: () => number = Date.now): UsedTokenStore {
  /** Token id to when its claim may go (epoch ms). */
  const claims = new Map<string, number>();
  return {
    claim: async (tokenId, tokenExpiresAt) => {
      const at = now();
      for (const [id, until] of claims) {
        if (until > at) break;
        claims.delete(id);
      }
      if (claims.has(tokenId)) return false;
      // Kept as long as the table's item would be (its TTL, data/used-tokens.ts).
      claims.set(tokenId, usedTokenExpiry(tokenExpiresAt) * 1000);
      return true;
    },
  };
}
