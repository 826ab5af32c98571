import { DynamoDBClient, DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TranslateConfig } from '@aws-sdk/lib-dynamodb';
import type { Config } from '../shared/config';

/**
 * How the stores' values become DynamoDB's and back, for every document client (local mode's
 * in-process one too). `undefined` members are dropped, never stored. `convertClassInstanceToMap`:
 * the marshaller spots plain objects by `constructor.name`, so a caller's map with a key named
 * `constructor` (a valid tag key) was refused as a class instance, a 500.
 */
export const DOCUMENT_TRANSLATION: TranslateConfig = { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true } };

/** The DynamoDB document client, built from config. */
export function createDocumentClient(
  cfg: Pick<Config, 'region' | 'dynamodbEndpoint'>,
  clientConfig: DynamoDBClientConfig = {},
): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    region: cfg.region,
    ...(cfg.dynamodbEndpoint ? { endpoint: cfg.dynamodbEndpoint } : {}),
    ...clientConfig,
  });
  // A copy: lib-dynamodb writes its defaults into the options it is given.
  return DynamoDBDocumentClient.from(client, { marshallOptions: { ...DOCUMENT_TRANSLATION.marshallOptions } });
}
