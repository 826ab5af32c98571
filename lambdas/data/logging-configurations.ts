import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { parseArn } from '../domain/arn';
import { LoggingConfiguration, LoggingConfigurationPatch, loggingConfigurationNotFound } from '../domain/logging-configuration';
import { ConflictException, ServiceQuotaExceededException } from '../shared/errors';
import { isConditionFailure, withThrottling } from './dynamo-errors';
import { readIndexPage } from './index-pages';
import {
  ALL_LOGGING_CONFIGURATIONS_PARTITION,
  LOGGING_CONFIGURATION_LIST_SORT_KEY_PATTERN,
  loggingConfigurationIdOfSortKey,
  loggingConfigurationKey,
  loggingConfigurationListSortKey,
} from './keys';
import type { QuotaCounter } from './quotas';
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
  const withErrors = <T>(id: string, op: () => Promise<T>) => withThrottling(id, 'LOGGING_CONFIGURATION', op);
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

  return {
    assertExist: async (arns) => {
      const usable = await Promise.all(
        arns.map((arn) =>
          withErrors(parseArn(arn).id, async () => {
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
        ),
      );
      const missing = arns.find((_, i) => !usable[i]);
      if (missing !== undefined) throw loggingConfigurationNotFound(missing, parseArn(missing).id);
    },

    create: (c) =>
      withErrors(c.id, async () => {
        if (!(await quota.reserve())) {
          throw new ServiceQuotaExceededException(
            `The logging configurations quota of ${quota.limit} per account and region is used up`,
            c.id,
            'LOGGING_CONFIGURATION',
            quota.limit,
          );
        }
        try {
          await doc.send(
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
          );
        } catch (err) {
          await quota.release();
          if (isConditionFailure(err)) throw new ConflictException(`Logging configuration id ${c.id} is taken, retry`, c.id, 'LOGGING_CONFIGURATION');
          throw err;
        }
      }),

    get: (id) => withErrors(id, () => get(id)),

    getMany: (ids) =>
      withErrors(ids.join(','), async () => {
        // A room names at most 3: parallel reads beat a BatchGetItem and its unprocessed keys.
        const items = await Promise.all([...new Set(ids)].map(read));
        return items.flatMap((item) => (item ? [toConfiguration(item)] : []));
      }),

    update: (id, patch, updateTime) =>
      withErrors(id, async () => {
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
        try {
          const { Attributes } = await doc.send(
            new UpdateCommand({
              TableName,
              Key: loggingConfigurationKey(id),
              UpdateExpression: `SET ${parts.join(', ')}`,
              ConditionExpression: `${EXISTS} AND #state <> :deleting`,
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
              ReturnValues: 'ALL_NEW',
            }),
          );
          return toConfiguration(Attributes ?? {});
        } catch (err) {
          if (!isConditionFailure(err)) throw err;
          await get(id);
          throw new ConflictException(`Logging configuration ${id} is being deleted`, id, 'LOGGING_CONFIGURATION');
        }
      }),

    startDelete: (id) =>
      withErrors(id, async () => {
        try {
          // DELETING too: a delete that crashed half-way must not block the next one.
          await setState(id, 'DELETING', ['ACTIVE', 'DELETING']);
        } catch (err) {
          if (isConditionFailure(err)) throw loggingConfigurationNotFound(id, id);
          throw err;
        }
      }),

    cancelDelete: (id) =>
      withErrors(id, async () => {
        await setState(id, 'ACTIVE', ['DELETING']).catch((err: unknown) => {
          if (!isConditionFailure(err)) throw err;
        });
      }),

    delete: (id) =>
      withErrors(id, async () => {
        try {
          await doc.send(new DeleteCommand({ TableName, Key: loggingConfigurationKey(id), ConditionExpression: EXISTS }));
        } catch (err) {
          if (isConditionFailure(err)) throw loggingConfigurationNotFound(id, id);
          throw err;
        }
        await quota.release();
      }),

    listPage: (query) =>
      withErrors('logging-configurations', async () => {
        const { items, last } = await readIndexPage(doc, {
          TableName,
          index: byCreateTime,
          partition: ALL_LOGGING_CONFIGURATIONS_PARTITION,
          limit: query.limit,
          after: query.after ? { sortKey: query.after, key: loggingConfigurationKey(loggingConfigurationIdOfSortKey(query.after)) } : undefined,
        });
        return { configurations: items.map(toConfiguration), ...(last ? { last } : {}) };
      }),
  };
}

function toConfiguration(item: Record<string, unknown>): LoggingConfiguration {
  const configuration: Record<string, unknown> = { ...item };
  for (const attribute of ITEM_ONLY) delete configuration[attribute];
  return configuration as unknown as LoggingConfiguration;
}
