import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { onConditionFailure, translatingErrors } from '../../../lambdas/data/dynamo-errors';
import { queryAll } from '../../../lambdas/data/index-pages';
import { quotaKey } from '../../../lambdas/data/keys';
import { createQuotaCounter, createWithQuota } from '../../../lambdas/data/quotas';
import { ConflictException, ServiceQuotaExceededException, ThrottlingException } from '../../../lambdas/shared/errors';
import { useDynalite } from '../../helpers/dynalite';

// The data layer's shared pieces on a real dynalite: the quota-guarded create, the paging loop and
// the conditional-write helper, as every store uses them.
const TableName = 'stores-test';
const table = useDynalite(TableName);

const used = async (name: string) => (await table.doc.send(new GetCommand({ TableName, Key: quotaKey(name) }))).Item?.used;
const putNew = (pk: string) => () =>
  table.doc.send(new PutCommand({ TableName, Item: { PK: pk, SK: 'ITEM' }, ConditionExpression: 'attribute_not_exists(PK)' }));
const resource = (id: string) => ({ id, type: 'ROOM' as const, plural: 'things', singular: 'Thing' });

test('createWithQuota counts each create, refuses past the limit, and gives the unit back when the id is taken', async () => {
  const quota = createQuotaCounter({ doc: table.doc, tableName: TableName, name: 'things', limit: 2 });
  await createWithQuota(quota, resource('a'), putNew('THING#a'));
  const taken = createWithQuota(quota, resource('a'), putNew('THING#a'));
  await expect(taken).rejects.toBeInstanceOf(ConflictException);
  await expect(taken).rejects.toMatchObject({ message: 'Thing id a is taken, retry', resourceId: 'a' });
  expect(await used('things')).toBe(1);
  await createWithQuota(quota, resource('b'), putNew('THING#b'));
  const full = createWithQuota(quota, resource('c'), putNew('THING#c'));
  await expect(full).rejects.toBeInstanceOf(ServiceQuotaExceededException);
  await expect(full).rejects.toMatchObject({ message: 'The things quota of 2 per account and region is used up', limit: 2 });
  expect(await table.doc.send(new GetCommand({ TableName, Key: { PK: 'THING#c', SK: 'ITEM' } }))).not.toHaveProperty('Item.PK');
  await quota.release();
  await quota.release();
  await quota.release();
  expect(await used('things')).toBe(0);
});

test('queryAll reads every page of a partition', async () => {
  await Promise.all(
    Array.from({ length: 7 }, (_, i) => table.doc.send(new PutCommand({ TableName, Item: { PK: 'PAGED', SK: `item${i}` } }))),
  );
  const items = await queryAll(table.doc, {
    TableName,
    KeyConditionExpression: 'PK = :pk',
    ExpressionAttributeValues: { ':pk': 'PAGED' },
    Limit: 2,
  });
  expect(items.map((item) => item.SK)).toEqual(['item0', 'item1', 'item2', 'item3', 'item4', 'item5', 'item6']);
});

test('onConditionFailure answers for a failed condition only; translatingErrors turns throttling into ThrottlingException', async () => {
  expect(
    await onConditionFailure(
      putNew('ONCE')().then(() => 'written'),
      () => 'taken',
    ),
  ).toBe('written');
  expect(
    await onConditionFailure(
      putNew('ONCE')().then(() => 'written'),
      () => 'taken',
    ),
  ).toBe('taken');
  const store = translatingErrors(
    {
      throttled: async (_id: string) =>
        Promise.reject(Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' })),
      broken: async (_id: string) => Promise.reject(new Error('other')),
    },
    ([id]) => ({ id: String(id), type: 'ROOM' }),
  );
  await expect(store.throttled('room1')).rejects.toBeInstanceOf(ThrottlingException);
  await expect(store.throttled('room1')).rejects.toMatchObject({ resourceId: 'room1', resourceType: 'ROOM', limit: 0 });
  await expect(store.broken('room1')).rejects.toThrow('other');
});
