import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { onConditionFailure, translatingErrors } from './dynamo-errors';
import { queryAll } from './index-pages';
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
  // Throttling names the room, or the configuration whose references are read.
  const store = translatingErrors<Omit<LoggingReferenceStore, 'ofConfiguration'>>(
    {
      add: async (roomId, ids, revision, attachedAt) => {
        await Promise.all(
          ids.map((id) => doc.send(new PutCommand({ TableName, Item: { ...loggingReferenceKey(id, roomId), revision, attachedAt } }))),
        );
      },

      remove: async (roomId, ids, upToRevision) => {
        await Promise.all(
          ids.map((id) =>
            // A newer write names the configuration again (or the reference is already gone): keep it.
            onConditionFailure(
              doc.send(
                new DeleteCommand({
                  TableName,
                  Key: loggingReferenceKey(id, roomId),
                  ...(upToRevision === undefined
                    ? {}
                    : { ConditionExpression: 'revision <= :revision', ExpressionAttributeValues: { ':revision': upToRevision } }),
                }),
              ),
              () => undefined,
            ),
          ),
        );
      },
    },
    ([roomId]) => ({ id: String(roomId), type: 'ROOM' }),
  );
  const references = translatingErrors<Pick<LoggingReferenceStore, 'ofConfiguration'>>(
    {
      ofConfiguration: async (configurationId) =>
        (
          await queryAll(doc, {
            TableName,
            KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
            ExpressionAttributeValues: { ':pk': loggingConfigurationPartition(configurationId), ':prefix': LOGGING_REFERENCE_PREFIX },
            ConsistentRead: true,
          })
        ).map((item) => ({
          configurationId,
          roomId: roomOfLoggingReference(String(item.SK)),
          revision: Number(item.revision),
          attachedAt: Number(item.attachedAt),
        })),
    },
    ([configurationId]) => ({ id: String(configurationId), type: 'LOGGING_CONFIGURATION' }),
  );
  return { ...store, ...references };
}
