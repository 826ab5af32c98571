import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure, withThrottling } from './dynamo-errors';
import { LOGGING_REFERENCE_PREFIX, loggingConfigurationPartition, loggingReferenceKey, roomOfLoggingReference } from './keys';

/** A room's record that it names a logging configuration, written before the room names it. */
export interface LoggingReference {
  configurationId: string;
  roomId: string;
  /** The room's logging revision whose write names the configuration (see core/rooms.ts). */
  revision: number;
  /** Epoch milliseconds of the write. */
  attachedAt: number;
}

export interface LoggingReferenceStore {
  /** Records that the room's write at `revision` will name these configurations. */
  add(roomId: string, configurationIds: readonly string[], revision: number, now: number): Promise<void>;
  /**
   * Removes the room's references to these configurations; with `upToRevision`, only references
   * written for that revision or an earlier one, so a newer write that names them again keeps its own.
   */
  remove(roomId: string, configurationIds: readonly string[], upToRevision?: number): Promise<void>;
  /** Every reference to a configuration: one query of its partition (paged), never a scan. */
  ofConfiguration(configurationId: string): Promise<LoggingReference[]>;
}

/**
 * References from rooms to the logging configurations they name, kept in each configuration's own
 * partition: DeleteLoggingConfiguration finds every room that may use a configuration with one
 * query, where the rooms' own lists could only be searched by reading every room. A reference may
 * outlive its use (a failed or superseded write); the delete then checks the room itself.
 */
export function createLoggingReferenceStore(deps: { doc: DynamoDBDocumentClient; tableName: string }): LoggingReferenceStore {
  const { doc, tableName: TableName } = deps;
  return {
    add: (roomId, ids, revision, attachedAt) =>
      withThrottling(roomId, 'ROOM', async () => {
        await Promise.all(
          ids.map((id) => doc.send(new PutCommand({ TableName, Item: { ...loggingReferenceKey(id, roomId), revision, attachedAt } }))),
        );
      }),

    remove: (roomId, ids, upToRevision) =>
      withThrottling(roomId, 'ROOM', async () => {
        await Promise.all(
          ids.map((id) =>
            doc
              .send(
                new DeleteCommand({
                  TableName,
                  Key: loggingReferenceKey(id, roomId),
                  ...(upToRevision === undefined
                    ? {}
                    : { ConditionExpression: 'revision <= :revision', ExpressionAttributeValues: { ':revision': upToRevision } }),
                }),
              )
              .catch((err: unknown) => {
                // A newer write names the configuration again (or the reference is already gone): keep it.
                if (!isConditionFailure(err)) throw err;
              }),
          ),
        );
      }),

    ofConfiguration: (configurationId) =>
      withThrottling(configurationId, 'LOGGING_CONFIGURATION', async () => {
        const references: LoggingReference[] = [];
        let ExclusiveStartKey: Record<string, unknown> | undefined;
        do {
          const page = await doc.send(
            new QueryCommand({
              TableName,
              KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
              ExpressionAttributeValues: { ':pk': loggingConfigurationPartition(configurationId), ':prefix': LOGGING_REFERENCE_PREFIX },
              ConsistentRead: true,
              ExclusiveStartKey,
            }),
          );
          for (const item of page.Items ?? []) {
            references.push({
              configurationId,
              roomId: roomOfLoggingReference(String(item.SK)),
              revision: Number(item.revision),
              attachedAt: Number(item.attachedAt),
            });
          }
          ExclusiveStartKey = page.LastEvaluatedKey;
        } while (ExclusiveStartKey);
        return references;
      }),
  };
}
