import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';

/** BatchWriteItem's own limit. */
export const BATCH_WRITE_SIZE = 25;
/** Rounds per batch for what the table left unprocessed (throttling), before giving up on it. */
const MAX_ATTEMPTS = 5;

/** One request of a BatchWriteItem: an item to put or a key to delete, unconditionally. */
export type WriteRequest = { PutRequest: { Item: object } } | { DeleteRequest: { Key: object } };

/**
 * Writes every request, BATCH_WRITE_SIZE at a time, sending again what a batch left unprocessed;
 * rejects when some are still unprocessed after MAX_ATTEMPTS rounds (or the table refuses a batch).
 * Batches carry no conditions: only for writes that need none.
 */
export async function batchWriteAll(doc: DynamoDBDocumentClient, TableName: string, requests: readonly WriteRequest[]): Promise<void> {
  for (let i = 0; i < requests.length; i += BATCH_WRITE_SIZE) {
    let batch: WriteRequest[] | undefined = requests.slice(i, i + BATCH_WRITE_SIZE);
    for (let attempt = 0; batch && batch.length > 0; attempt++) {
      if (attempt === MAX_ATTEMPTS) throw new Error(`${batch.length} writes were still unprocessed after ${MAX_ATTEMPTS} attempts`);
      const { UnprocessedItems } = await doc.send(new BatchWriteCommand({ RequestItems: { [TableName]: batch } }));
      batch = UnprocessedItems?.[TableName] as WriteRequest[] | undefined;
    }
  }
}
