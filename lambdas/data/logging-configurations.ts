import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { parseArn } from '../domain/arn';
import { ResourceNotFoundException } from '../shared/errors';
import { withThrottling } from './dynamo-errors';
import { loggingConfigurationKey } from './keys';

export interface LoggingConfigurationStore {
  /** Throws ResourceNotFoundException naming the first ARN that is not a logging configuration here. */
  assertExist(arns: readonly string[]): Promise<void>;
}

/** Logging configurations as rooms refer to them (at most 3 per room, read in parallel). */
export function createLoggingConfigurationStore(deps: {
  doc: DynamoDBDocumentClient;
  tableName: string;
  inScope: (arn: string) => boolean;
}): LoggingConfigurationStore {
  const { doc, tableName: TableName, inScope } = deps;
  const exists = (id: string) =>
    withThrottling(id, 'LOGGING_CONFIGURATION', async () => {
      const { Item } = await doc.send(
        new GetCommand({ TableName, Key: loggingConfigurationKey(id), ProjectionExpression: 'PK', ConsistentRead: true }),
      );
      return Item !== undefined;
    });
  return {
    assertExist: async (arns) => {
      const found = await Promise.all(arns.map((arn) => inScope(arn) && exists(parseArn(arn).id)));
      const missing = arns.find((_, i) => !found[i]);
      if (missing !== undefined) {
        const id = parseArn(missing).id;
        throw new ResourceNotFoundException(`Logging configuration not found: ${missing}`, id, 'LOGGING_CONFIGURATION');
      }
    },
  };
}
