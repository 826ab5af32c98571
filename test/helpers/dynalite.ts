import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { RunningDynalite, ensureTable, startDynalite } from '../../lib/local/dynalite';
import { tableClient } from './chat';

/**
 * One line per file of the data and handler tiers: an in-memory dynalite with the table `tableName`
 * (built from lambdas/data/table.ts) for the file's tests, and a document client on it.
 */
export function useDynalite(tableName: string): { readonly endpoint: string; readonly doc: DynamoDBDocumentClient } {
  let db: RunningDynalite | undefined;
  let doc: DynamoDBDocumentClient | undefined;
  beforeAll(async () => {
    db = await startDynalite(undefined);
    await ensureTable(db.endpoint, 'us-east-1', tableName);
    doc = tableClient(db.endpoint);
  });
  afterAll(async () => {
    doc?.destroy();
    await db?.close();
  });
  const running = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('dynalite is not running: use it inside tests and hooks');
    return value;
  };
  return {
    get endpoint() {
      return running(db).endpoint;
    },
    get doc() {
      return running(doc);
    },
  };
}
