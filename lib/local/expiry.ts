import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from '../../lambdas/data/dynamo-errors';
import type { ItemKey } from '../../lambdas/data/keys';
import { DisconnectionStore, disconnectionExpiry } from '../../lambdas/data/disconnections';
import { disconnectionKey, roomRateKey, usedTokenKey } from '../../lambdas/data/keys';
import type { RateCounter } from '../../lambdas/data/rate-counters';
import { TABLE } from '../../lambdas/data/table';
import { UsedTokenStore, usedTokenExpiry } from '../../lambdas/data/used-tokens';
import { flat } from './shared-strings';

/** Deletes of expired items per sweep (local mode sweeps every second): a backlog drains at this pace. */
export const MAX_DELETES_PER_SWEEP = 200;
/** Deletes in flight at once during a sweep. */
const PARALLEL_DELETES = 4;

export interface ExpirySweeper {
  /** Deletes `key` once its expiry attribute has passed; `expiresAt` (epoch seconds) is when to look first. */
  track(key: ItemKey, expiresAt: number): void;
  /** Deletes up to MAX_DELETES_PER_SWEEP tracked items that are due; resolves to how many went. */
  sweep(nowMs: number): Promise<number>;
  /** Items waiting for their expiry. */
  readonly size: number;
}

/**
 * DynamoDB's TTL for local mode, where dynalite has none: rate counters and used-token records
 * (one per room and second, one per connect) would otherwise pile up for ever. No table read
 * finds them: every such item is written by this process, whose stores note the key as they
 * write (trackRates, trackUsedTokens below), and items of an earlier process are found once at
 * start (reconcile.ts). Keys wait in buckets by expiry second; a sweep takes the due ones, a
 * bounded number each time. The delete is conditional on the item's own expiry attribute, so
 * an item whose expiry was pushed later (or that was written again) is never deleted early: it
 * is looked at again at its new expiry. Reads check expiry on their own (see data/table.ts), so a
 * late delete is only storage, as with DynamoDB's TTL.
 */
export function createExpirySweeper(deps: { doc: DynamoDBDocumentClient; tableName: string }): ExpirySweeper {
  const { doc, tableName: TableName } = deps;
  /**
   * Keys waiting, as their ids (one flat string each, shared by `waiting` and the bucket: a tracked
   * key costs one string, not a key object and the rope of its id; every $connect tracks one).
   */
  const buckets = new Map<number, string[]>();
  /** Keys waiting, to note each once (a room's rate counter is taken many times in its second). */
  const waiting = new Set<string>();
  /** Every bucket before this second has been emptied. */
  let cursor = Math.floor(Date.now() / 1000);

  const id = (key: ItemKey) => flat(`${key.PK}\u0000${key.SK}`);
  const keyOf = (keyId: string): ItemKey => {
    const at = keyId.indexOf('\u0000');
    return { PK: keyId.slice(0, at), SK: keyId.slice(at + 1) };
  };
  const schedule = (key: string, second: number) => {
    const at = Math.max(second, cursor);
    const bucket = buckets.get(at);
    if (bucket) bucket.push(key);
    else buckets.set(at, [key]);
  };

  /** Deletes the item if it has expired; otherwise looks again at the expiry it has. */
  const expire = async (keyId: string, nowSeconds: number): Promise<boolean> => {
    const key = keyOf(keyId);
    try {
      await doc.send(
        new DeleteCommand({
          TableName,
          Key: key,
          ConditionExpression: '#ttl <= :now',
          ExpressionAttributeNames: { '#ttl': TABLE.ttlAttribute },
          ExpressionAttributeValues: { ':now': nowSeconds },
        }),
      );
      waiting.delete(keyId);
      return true;
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
    const { Item } = await doc.send(
      new GetCommand({ TableName, Key: key, ProjectionExpression: '#ttl', ExpressionAttributeNames: { '#ttl': TABLE.ttlAttribute } }),
    );
    const expiresAt = Item?.[TABLE.ttlAttribute];
    if (typeof expiresAt === 'number') schedule(keyId, expiresAt > nowSeconds ? expiresAt : nowSeconds + 1);
    else waiting.delete(keyId);
    return false;
  };

  return {
    track(key, expiresAt) {
      const keyId = id(key);
      if (waiting.has(keyId)) return;
      waiting.add(keyId);
      schedule(keyId, expiresAt);
    },
    async sweep(nowMs) {
      const nowSeconds = Math.floor(nowMs / 1000);
      const due: string[] = [];
      while (cursor <= nowSeconds && due.length < MAX_DELETES_PER_SWEEP) {
        const bucket = buckets.get(cursor);
        if (bucket) {
          due.push(...bucket.splice(0, MAX_DELETES_PER_SWEEP - due.length));
          if (bucket.length > 0) break;
          buckets.delete(cursor);
        }
        cursor++;
      }
      let deleted = 0;
      const failed: string[] = [];
      const worker = async () => {
        for (let key = due.pop(); key; key = due.pop()) {
          try {
            if (await expire(key, nowSeconds)) deleted++;
          } catch {
            failed.push(key);
          }
        }
      };
      await Promise.all(Array.from({ length: PARALLEL_DELETES }, worker));
      // A database error is retried on a later sweep, not lost.
      for (const key of failed) schedule(key, nowSeconds + 1);
      return deleted;
    },
    get size() {
      return waiting.size;
    },
  };
}

/**
 * A RateCounter that has the sweeper delete each counter item after its expiry. The key and the
 * expiry (a minute after its second) are those data/rate-counters.ts writes; if that expiry ever
 * grows, the sweeper's conditional delete finds the item unexpired and waits for the real one.
 */
export function trackRates(rates: RateCounter, sweeper: ExpirySweeper): RateCounter {
  return {
    take: async (roomId, limitPerSecond, now) => {
      const second = Math.floor(now / 1000);
      try {
        return await rates.take(roomId, limitPerSecond, now);
      } finally {
        // Refused, or even failed, the counter of this second may exist now; the sweeper drops a key without an item.
        sweeper.track(roomRateKey(roomId, second), second + 60);
      }
    },
  };
}

/** A UsedTokenStore that has the sweeper delete each record once it has expired (see data/used-tokens.ts). */
export function trackUsedTokens(tokens: UsedTokenStore, sweeper: ExpirySweeper): UsedTokenStore {
  return {
    claim: async (tokenId, tokenExpiresAt) => {
      try {
        return await tokens.claim(tokenId, tokenExpiresAt);
      } finally {
        sweeper.track(usedTokenKey(tokenId), usedTokenExpiry(tokenExpiresAt));
      }
    },
  };
}

/** A DisconnectionStore that has the sweeper delete each note once it has expired (see data/disconnections.ts). */
export function trackDisconnections(store: DisconnectionStore, sweeper: ExpirySweeper): DisconnectionStore {
  return {
    ...store,
    note: async (roomId, userId, note) => {
      try {
        await store.note(roomId, userId, note);
      } finally {
        sweeper.track(disconnectionKey(roomId, userId), disconnectionExpiry(note.at));
      }
    },
  };
}
