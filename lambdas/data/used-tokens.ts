import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { onConditionFailure, translatingErrors } from './dynamo-errors';
import { usedTokenKey } from './keys';
import { TABLE } from './table';

export interface UsedTokenStore {
  /** Records a token id as used; false when it already was (the token is single-use). */
  claim(tokenId: string, tokenExpiresAt: number): Promise<boolean>;
}

/**
 * Chat tokens are single-use: the first connect claims the token id with a conditional put. The
 * record only has to outlive the token (one minute); TTL removes it later, and a record whose
 * token has expired no longer matters, since expired tokens are refused before this check.
 */
/** The expiry (epoch seconds) of the claim of a token that expires at `tokenExpiresAt` (ms): a minute after it. */
export const usedTokenExpiry = (tokenExpiresAt: number): number => Math.ceil(tokenExpiresAt / 1000) + 60;

export function createUsedTokenStore(deps: { doc: DynamoDBDocumentClient; tableName: string }): UsedTokenStore {
  const { doc, tableName: TableName } = deps;
  return translatingErrors<UsedTokenStore>(
    {
      claim: (tokenId, tokenExpiresAt) =>
        onConditionFailure(
          doc
            .send(
              new PutCommand({
                TableName,
                Item: { ...usedTokenKey(tokenId), [TABLE.ttlAttribute]: usedTokenExpiry(tokenExpiresAt) },
                ConditionExpression: 'attribute_not_exists(PK)',
              }),
            )
            .then(() => true),
          () => false,
        ),
    },
    ([tokenId]) => ({ id: String(tokenId), type: 'ROOM' }),
  );
}
