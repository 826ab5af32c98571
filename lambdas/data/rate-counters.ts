import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { onConditionFailure, translatingErrors } from './dynamo-errors';
import { roomRateKey } from './keys';
import { TABLE } from './table';

export interface RateCounter {
  /** Counts one request of the room in the current second; false when the room's limit is reached. */
  take(roomId: string, limitPerSecond: number, now: number): Promise<boolean>;
}

/**
 * A room's message rate, counted across every connection and every Lambda instance: one counter
 * item per room and second, incremented with a conditional ADD, so the check is atomic.
 */
export function createRateCounter(deps: { doc: DynamoDBDocumentClient; tableName: string }): RateCounter {
  const { doc, tableName: TableName } = deps;
  return translatingErrors<RateCounter>(
    {
      take: (roomId, limit, now) => {
        const second = Math.floor(now / 1000);
        return onConditionFailure(
          doc
            .send(
              new UpdateCommand({
                TableName,
                Key: roomRateKey(roomId, second),
                UpdateExpression: 'ADD used :one SET #ttl = if_not_exists(#ttl, :ttl)',
                ConditionExpression: 'attribute_not_exists(used) OR used < :limit',
                ExpressionAttributeNames: { '#ttl': TABLE.ttlAttribute },
                ExpressionAttributeValues: { ':one': 1, ':limit': limit, ':ttl': second + 60 },
              }),
            )
            .then(() => true),
          () => false,
        );
      },
    },
    ([roomId]) => ({ id: String(roomId), type: 'ROOM' }),
  );
}
