import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { QueryCommand, QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { ItemKey } from './keys';
import { TABLE } from './table';

/** With a filter, DynamoDB's Limit counts items read before filtering: read in larger steps. */
const FILTERED_READ_STEP = 100;

export interface IndexPageQuery {
  TableName: string;
  index: { indexName: string; partitionKey: string; sortKey: string };
  partition: string;
  limit: number;
  /** The index sort key of the previous page's last item, and that item's table key. */
  after?: { sortKey: string; key: ItemKey };
  filter?: { expression: string; names: Record<string, string>; values: Record<string, unknown> };
  /** Only index sort keys within these bounds (both inclusive; either may be left out). */
  sortKeyBetween?: { from?: string; to?: string };
}

/**
 * One page of a list served by an index partition, newest first. It reads one item more than asked
 * for, to tell whether another page follows, so the last page never carries a position that leads
 * to an empty page; `last` is the position to resume after (an index sort key), set only then.
 */
export async function readIndexPage(
  doc: DynamoDBDocumentClient,
  query: IndexPageQuery,
): Promise<{ items: Record<string, unknown>[]; last?: string }> {
  const { index, filter } = query;
  let startKey: Record<string, unknown> | undefined = query.after
    ? { ...query.after.key, [index.partitionKey]: query.partition, [index.sortKey]: query.after.sortKey }
    : undefined;
  const range = sortKeyRange(query.sortKeyBetween);
  const items: Record<string, unknown>[] = [];
  do {
    const page = await doc.send(
      new QueryCommand({
        TableName: query.TableName,
        IndexName: index.indexName,
        KeyConditionExpression: `#pk = :pk${range.condition}`,
        ScanIndexForward: false,
        Limit: filter ? FILTERED_READ_STEP : query.limit + 1 - items.length,
        ExclusiveStartKey: startKey,
        FilterExpression: filter?.expression,
        ExpressionAttributeNames: { '#pk': index.partitionKey, ...(range.condition ? { '#sk': index.sortKey } : {}), ...filter?.names },
        ExpressionAttributeValues: { ':pk': query.partition, ...range.values, ...filter?.values },
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (items.length <= query.limit && startKey);
  const pageItems = items.slice(0, query.limit);
  const lastItem = pageItems[pageItems.length - 1];
  return { items: pageItems, ...(items.length > query.limit && lastItem ? { last: String(lastItem[index.sortKey]) } : {}) };
}

/** The key condition on the sort key for a range: DynamoDB allows one, so two bounds are a BETWEEN. */
function sortKeyRange(between: IndexPageQuery['sortKeyBetween']): { condition: string; values: Record<string, string> } {
  const { from, to } = between ?? {};
  if (from !== undefined && to !== undefined) return { condition: ' AND #sk BETWEEN :from AND :to', values: { ':from': from, ':to': to } };
  if (from !== undefined) return { condition: ' AND #sk >= :from', values: { ':from': from } };
  if (to !== undefined) return { condition: ' AND #sk <= :to', values: { ':to': to } };
  return { condition: '', values: {} };
}

/** Every item a query finds, page after page: the one loop over LastEvaluatedKey of the whole-result reads. */
export async function queryAll(
  doc: DynamoDBDocumentClient,
  input: Omit<QueryCommandInput, 'ExclusiveStartKey'>,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(new QueryCommand({ ...input, ExclusiveStartKey }));
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

/**
 * Every item of one partition of the main table, from one strongly consistent query, or undefined
 * when it holds more than `atMost`: for the caches that keep a small partition whole (a room's
 * bans, its DisconnectUser notes) and fall back to item reads past the bound.
 */
export async function smallPartition(
  doc: DynamoDBDocumentClient,
  TableName: string,
  partition: string,
  atMost: number,
): Promise<Record<string, unknown>[] | undefined> {
  const { Items = [], LastEvaluatedKey } = await doc.send(
    new QueryCommand({
      TableName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
      ExpressionAttributeValues: { ':pk': partition },
      ConsistentRead: true,
      Limit: atMost + 1,
    }),
  );
  return Items.length > atMost || LastEvaluatedKey ? undefined : Items;
}
