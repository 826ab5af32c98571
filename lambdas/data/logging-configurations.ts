import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { parseArn } from '../domain/arn';
import { LoggingConfiguration, LoggingConfigurationPatch, loggingConfigurationNotFound } from '../domain/logging-configuration';
import { ConflictException } from '../shared/errors';
import { onConditionFailure, translatingErrors } from './dynamo-errors';
import { readIndexPage } from './index-pages';
import {
  ALL_LOGGING_CONFIGURATIONS_PARTITION,
  LOGGING_CONFIGURATION_LIST_SORT_KEY_PATTERN,
  loggingConfigurationIdOfSortKey,
  loggingConfigurationKey,
  loggingConfigurationListSortKey,
} from './keys';
import { QuotaCounter, createWithQuota } from './quotas';
import { TABLE } from './table';

/** Which configurations a ListLoggingConfigurations page holds; `after` is the previous page's last position. */
export interface LoggingConfigurationQuery {
  limit: number;
  after?: string;
}

export interface LoggingConfigurationPage {
  configurations: LoggingConfiguration[];
  /** Set when more configurations follow: the position to pass as `after`. */
  last?: string;
}

export interface LoggingConfigurationStore {
  /**
   * Throws ResourceNotFoundException naming the first ARN that is not a logging configuration here,
   * or one being deleted (a room may not start using it).
   */
  assertExist(arns: readonly string[]): Promise<void>;
  create(configuration: LoggingConfiguration): Promise<void>;
  get(id: string): Promise<LoggingConfiguration>;
  /** The configurations of these ids that exist (one batch read; the chat log's lookup). */
  getMany(ids: readonly string[]): Promise<LoggingConfiguration[]>;
  /** ConflictException while the configuration is being deleted. */
  update(id: string, patch: LoggingConfigurationPatch, updateTime: string): Promise<LoggingConfiguration>;
  /** Marks it DELETING, so that no room can start using it while DeleteLoggingConfiguration looks for users. */
  startDelete(id: string): Promise<void>;
  /** Back to ACTIVE: the delete was refused. A configuration already gone stays gone. */
  cancelDelete(id: string): Promise<void>;
  delete(id: string): Promise<void>;
  listPage(query: LoggingConfigurationQuery): Promise<LoggingConfigurationPage>;
}

/** Positions a ListLoggingConfigurations token may carry. */
export const LOGGING_CONFIGURATION_POSITION_PATTERN = LOGGING_CONFIGURATION_LIST_SORT_KEY_PATTERN;

const { loggingConfigurationsByCreateTime: byCreateTime } = TABLE.indexes;
const ITEM_ONLY = ['PK', 'SK', byCreateTime.partitionKey, byCreateTime.sortKey] as const;
const EXISTS = 'attribute_exists(PK)';

/**
 * Logging configurations, one item each with their tags inside (see data/tags.ts), listed through
 * their own index. The count is held to the account quota by a counter (see data/quotas.ts). Every
 * write after the create is conditioned on the item existing, so nothing resurrects a deleted one.
 */
export function createLoggingConfigurationStore(deps: {
  doc: DynamoDBDocumentClient;
  tableName: string;
  inScope: (arn: string) => boolean;
  quota: QuotaCounter;
}): LoggingConfigurationStore {
  const { doc, tableName: TableName, inScope, quota } = deps;
  const read = async (id: string) =>
    (await doc.send(new GetCommand({ TableName, Key: loggingConfigurationKey(id), ConsistentRead: true }))).Item;
  const get = async (id: string) => {
    const item = await read(id);
    if (!item) throw loggingConfigurationNotFound(id, id);
    return toConfiguration(item);
  };
  const setState = (id: string, state: LoggingConfiguration['state'], from: readonly LoggingConfiguration['state'][]) =>
    doc.send(
      new UpdateCommand({
        TableName,
        Key: loggingConfigurationKey(id),
        UpdateExpression: 'SET #state = :state',
        ConditionExpression: `${EXISTS} AND #state IN (${from.map((_, i) => `:from${i}`).join(', ')})`,
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':state': state, ...Object.fromEntries(from.map((s, i) => [`:from${i}`, s])) },
      }),
    );

  const notFound = (id: string) => () => {
    throw loggingConfigurationNotFound(id, id);
  };

  // The first argument is the configuration, its id, or the ids and ARNs a room names.
  return translatingErrors<LoggingConfigurationStore>(
    {
      assertExist: async (arns) => {
        const usable = await Promise.all(
          arns.map(async (arn) => {
            if (!inScope(arn)) return false;
            const { Item } = await doc.send(
              new GetCommand({
                TableName,
                Key: loggingConfigurationKey(parseArn(arn).id),
                ProjectionExpression: '#state',
                ExpressionAttributeNames: { '#state': 'state' },
                ConsistentRead: true,
              }),
            );
            return Item !== undefined && Item.state !== 'DELETING';
          }),
        );
        const missing = arns.find((_, i) => !usable[i]);
        if (missing !== undefined) throw loggingConfigurationNotFound(missing, parseArn(missing).id);
      },

      create: (c) =>
        createWithQuota(
          quota,
          { id: c.id, type: 'LOGGING_CONFIGURATION', plural: 'logging configurations', singular: 'Logging configuration' },
          () =>
            doc.send(
              new PutCommand({
                TableName,
                Item: {
                  ...loggingConfigurationKey(c.id),
                  [byCreateTime.partitionKey]: ALL_LOGGING_CONFIGURATIONS_PARTITION,
                  [byCreateTime.sortKey]: loggingConfigurationListSortKey(c.createTime, c.id),
                  ...c,
                },
                ConditionExpression: 'attribute_not_exists(PK)',
              }),
            ),
        ),

      get,

      getMany: async (ids) => {
        // A room names at most 3: parallel reads beat a BatchGetItem and its unprocessed keys.
        const items = await Promise.all([...new Set(ids)].map(read));
        return items.flatMap((item) => (item ? [toConfiguration(item)] : []));
      },

      update: async (id, patch, updateTime) => {
        const set: Record<string, unknown> = { updateTime, ...patch };
        const names: Record<string, string> = { '#state': 'state' };
        const values: Record<string, unknown> = { ':deleting': 'DELETING' };
        const parts = Object.entries(set)
          .filter(([, value]) => value !== undefined)
          .map(([field, value], i) => {
            names[`#s${i}`] = field;
            values[`:s${i}`] = value;
            return `#s${i} = :s${i}`;
          });
        const written = await onConditionFailure(
          doc.send(
            new UpdateCommand({
              TableName,
              Key: loggingConfigurationKey(id),
              UpdateExpression: `SET ${parts.join(', ')}`,
              ConditionExpression: `${EXISTS} AND #state <> :deleting`,
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
              ReturnValues: 'ALL_NEW',
            }),
          ),
          async () => {
            await get(id);
            throw new ConflictException(`Logging configuration ${id} is being deleted`, id, 'LOGGING_CONFIGURATION');
          },
        );
        return toConfiguration(written.Attributes ?? {});
      },

      // DELETING too: a delete that crashed half-way must not block the next one.
      startDelete: async (id) => {
        await onConditionFailure(setState(id, 'DELETING', ['ACTIVE', 'DELETING']), notFound(id));
      },

      cancelDelete: async (id) => {
        await onConditionFailure(setState(id, 'ACTIVE', ['DELETING']), () => undefined);
      },

      delete: async (id) => {
        await onConditionFailure(
          doc.send(new DeleteCommand({ TableName, Key: loggingConfigurationKey(id), ConditionExpression: EXISTS })),
          notFound(id),
        );
        await quota.release();
      },

      listPage: async (query) => {
        const { items, last } = await readIndexPage(doc, {
          TableName,
          index: byCreateTime,
          partition: ALL_LOGGING_CONFIGURATIONS_PARTITION,
          limit: query.limit,
          after: query.after
            ? { sortKey: query.after, key: loggingConfigurationKey(loggingConfigurationIdOfSortKey(query.after)) }
            : undefined,
        });
        return { configurations: items.map(toConfiguration), ...(last ? { last } : {}) };
      },
    },
    ([first]) => ({ id: resourceIdOf(first), type: 'LOGGING_CONFIGURATION' }),
  );
}

/** The id a ThrottlingException names: the configuration's, or those of the ARNs or ids asked about. */
function resourceIdOf(first: unknown): string {
  if (typeof first === 'string') return first;
  if (Array.isArray(first)) return first.map((idOrArn: string) => (idOrArn.startsWith('arn:') ? parseArn(idOrArn).id : idOrArn)).join(',');
  return (first as { id?: string } | undefined)?.id ?? 'logging-configurations';
}

function toConfiguration(item: Record<string, unknown>): LoggingConfiguration {
  const configuration: Record<string, unknown> = { ...item };
  for (const attribute of ITEM_ONLY) delete configuration[attribute];
  return configuration as unknown as LoggingConfiguration;
}
