import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { batchWriteAll } from '../../lambdas/data/batch-writes';
import type { ItemKey } from '../../lambdas/data/keys';
import { connectionKey, loggingConfigurationKey, quotaKey, roomKey } from '../../lambdas/data/keys';
import { QUOTA_NAMES } from '../../lambdas/data/quotas';
import { TABLE } from '../../lambdas/data/table';
import type { ExpirySweeper } from './expiry';

export interface Reconciled {
  /** Connection records of an earlier process, removed. */
  staleConnections: number;
  /** Items whose expiry attribute had passed, removed. */
  expiredItems: number;
  /** Items with an expiry still ahead, handed to the sweeper. */
  trackedItems: number;
  rooms: number;
  loggingConfigurations: number;
}

/**
 * What local mode does at start over a data dir, before it serves anything, so that nothing runs
 * concurrently with it. The table then holds what an earlier process left, possibly after a
 * SIGKILL: connection records (that process's sockets are all gone, so every record is stale; none
 * would otherwise go until its room sends a message), items whose expiry passed while no sweeper
 * ran, and quota counters that a crash between a create (or delete) and its count left too high
 * (see data/quotas.ts). One paged scan, reading keys and expiry only, finds all of it: stale and
 * expired items are deleted, items still alive are handed to the sweeper, and the rooms and logging
 * configurations are counted, so the counters are set to what exists. Start-up time therefore
 * grows with the table (the rooms quota, 50,000, bounds the largest part); in memory there is
 * nothing to do.
 */
export async function reconcileTable(deps: {
  doc: DynamoDBDocumentClient;
  tableName: string;
  sweeper: ExpirySweeper;
  now: number;
}): Promise<Reconciled> {
  const { doc, tableName: TableName, sweeper } = deps;
  const nowSeconds = Math.floor(deps.now / 1000);
  const kinds = { connection: connectionKey(''), room: roomKey(''), loggingConfiguration: loggingConfigurationKey('') };
  const is = (item: Record<string, unknown>, kind: ItemKey) => item.SK === kind.SK && String(item.PK).startsWith(kind.PK);
  const result: Reconciled = { staleConnections: 0, expiredItems: 0, trackedItems: 0, rooms: 0, loggingConfigurations: 0 };

  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new ScanCommand({
        TableName,
        ProjectionExpression: '#pk, #sk, #ttl',
        ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#sk': TABLE.sortKey, '#ttl': TABLE.ttlAttribute },
        ExclusiveStartKey,
      }),
    );
    const doomed: ItemKey[] = [];
    for (const item of page.Items ?? []) {
      const key = { PK: String(item.PK), SK: String(item.SK) };
      const expiresAt = item[TABLE.ttlAttribute];
      if (is(item, kinds.connection)) {
        doomed.push(key);
        result.staleConnections++;
      } else if (typeof expiresAt === 'number' && expiresAt <= nowSeconds) {
        doomed.push(key);
        result.expiredItems++;
      } else if (typeof expiresAt === 'number') {
        sweeper.track(key, expiresAt);
        result.trackedItems++;
      } else if (is(item, kinds.room)) {
        result.rooms++;
      } else if (is(item, kinds.loggingConfiguration)) {
        result.loggingConfigurations++;
      }
    }
    await deleteAll(doc, TableName, doomed);
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);

  await setCount(doc, TableName, QUOTA_NAMES.rooms, result.rooms);
  await setCount(doc, TableName, QUOTA_NAMES.loggingConfigurations, result.loggingConfigurations);
  return result;
}

/** Nothing else writes yet, so plain batch deletes are safe: no condition needed. */
async function deleteAll(doc: DynamoDBDocumentClient, TableName: string, keys: ItemKey[]): Promise<void> {
  await batchWriteAll(
    doc,
    TableName,
    keys.map((Key) => ({ DeleteRequest: { Key } })),
  ).catch((err: unknown) => {
    throw new Error('could not remove stale items from the table at start', { cause: err });
  });
}

/** Sets a quota counter (data/quotas.ts) to the number of resources that exist. */
async function setCount(doc: DynamoDBDocumentClient, TableName: string, name: string, used: number): Promise<void> {
  await doc.send(
    new UpdateCommand({
      TableName,
      Key: quotaKey(name),
      UpdateExpression: 'SET used = :used',
      ExpressionAttributeValues: { ':used': used },
    }),
  );
}
