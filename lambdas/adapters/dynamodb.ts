import { DynamoDBClient, DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from '../shared/config';

/**
 * The DynamoDB document client, built from config. `undefined` members are dropped, never stored.
 * `convertClassInstanceToMap`: the marshaller spots plain objects by `constructor.name`, so a caller's
 * map with a key named `constructor` (a valid tag key) was refused as a class instance, a 500.
 */
export function createDocumentClient(
  cfg: Pick<Config, 'region' | 'dynamodbEndpoint'>,
  clientConfig: DynamoDBClientConfig = {},
): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    region: cfg.region,
    ...(cfg.dynamodbEndpoint ? { endpoint: cfg.dynamodbEndpoint } : {}),
    ...clientConfig,
  });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true } });
}
