import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictException, ResourceType, ServiceQuotaExceededException } from '../shared/errors';
import { isConditionFailure, onConditionFailure } from './dynamo-errors';
import { quotaKey } from './keys';

/** The names of the quota counters (their items' keys), for the wiring and for local mode's start-up reconcile. */
export const QUOTA_NAMES = { rooms: 'rooms', loggingConfigurations: 'logging-configurations' } as const;
export type QuotaName = (typeof QUOTA_NAMES)[keyof typeof QUOTA_NAMES];

export interface QuotaCounter {
  /** Takes one unit; false when the quota is used up. */
  reserve(): Promise<boolean>;
  /** Gives one unit back. */
  release(): Promise<void>;
  readonly limit: number;
}

/**
 * A per-account count of resources with a ceiling, as one counter item. DynamoDB's conditional
 * ADD makes the check-and-increment atomic, so concurrent creates cannot overshoot the quota.
 * With no transactions (dynalite has none), create and count are two writes: callers reserve first
 * and release if the create fails, so a crash between the two can only leave the count too high.
 */
export function createQuotaCounter(deps: { doc: DynamoDBDocumentClient; tableName: string; name: string; limit: number }): QuotaCounter {
  const { doc, tableName, limit } = deps;
  const Key = quotaKey(deps.name);
  return {
    limit,
    reserve: () =>
      onConditionFailure(
        doc
          .send(
            new UpdateCommand({
              TableName: tableName,
              Key,
              UpdateExpression: 'ADD used :one',
              ConditionExpression: 'attribute_not_exists(used) OR used < :limit',
              ExpressionAttributeValues: { ':one': 1, ':limit': limit },
            }),
          )
          .then(() => true),
        () => false,
      ),
    release: async () => {
      // Already at zero: the count can only have drifted low through manual edits; keep it at zero.
      await onConditionFailure(
        doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key,
            UpdateExpression: 'ADD used :minusOne',
            ConditionExpression: 'used > :zero',
            ExpressionAttributeValues: { ':minusOne': -1, ':zero': 0 },
          }),
        ),
        () => undefined,
      );
    },
  };
}

/**
 * The one quota-guarded create: a unit of `quota` is reserved, then `put` writes the new item under
 * `attribute_not_exists(PK)`; a put that fails gives the unit back, and a taken id is a Conflict.
 */
export async function createWithQuota(
  quota: QuotaCounter,
  resource: { id: string; type: ResourceType; /** As the messages name it: 'rooms', 'Room'. */ plural: string; singular: string },
  put: () => Promise<unknown>,
): Promise<void> {
  if (!(await quota.reserve())) {
    throw new ServiceQuotaExceededException(
      `The ${resource.plural} quota of ${quota.limit} per account and region is used up`,
      resource.id,
      resource.type,
      quota.limit,
    );
  }
  try {
    await put();
  } catch (err) {
    await quota.release();
    if (isConditionFailure(err))
      throw new ConflictException(`${resource.singular} id ${resource.id} is taken, retry`, resource.id, resource.type);
    throw err;
  }
}
