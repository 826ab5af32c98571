import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from './dynamo-errors';
import { quotaKey } from './keys';

/**
 * A per-account count of resources with a ceiling, as one counter item. DynamoDB's conditional
 * ADD makes the check-and-increment atomic, so concurrent creates cannot overshoot the quota.
 * With no transactions (dynalite has none), create and count are two writes: callers reserve first
 * and release if the create fails, so a crash between the two can only leave the count too high.
 */
export interface QuotaCounter {
  /** Takes one unit; false when the quota is used up. */
  reserve(): Promise<boolean>;
  /** Gives one unit back. */
  release(): Promise<void>;
  readonly limit: number;
}

export function createQuotaCounter(deps: { doc: DynamoDBDocumentClient; tableName: string; name: string; limit: number }): QuotaCounter {
  const { doc, tableName, limit } = deps;
  const Key = quotaKey(deps.name);
  return {
    limit,
    async reserve() {
      try {
        await doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key,
            UpdateExpression: 'ADD used :one',
            ConditionExpression: 'attribute_not_exists(used) OR used < :limit',
            ExpressionAttributeValues: { ':one': 1, ':limit': limit },
          }),
        );
        return true;
      } catch (err) {
        if (isConditionFailure(err)) return false;
        throw err;
      }
    },
    async release() {
      await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key,
          UpdateExpression: 'ADD used :minusOne',
          ConditionExpression: 'used > :zero',
          ExpressionAttributeValues: { ':minusOne': -1, ':zero': 0 },
        }),
      ).catch((err: unknown) => {
        // Already at zero: the count can only have drifted low through manual edits; keep it at zero.
        if (!isConditionFailure(err)) throw err;
      });
    },
  };
}
