import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { roomRateKey, usedTokenKey } from '../../../lambdas/data/keys';
import { createRateCounter } from '../../../lambdas/data/rate-counters';
import { createUsedTokenStore } from '../../../lambdas/data/used-tokens';
import { MAX_DELETES_PER_SWEEP, createExpirySweeper, trackRates, trackUsedTokens } from '../../../lib/local/expiry';
import { useDynalite } from '../../helpers/dynalite';

// Local mode's stores and sweeper on a real dynalite; the sweeper is given the time, so that a
// minute of expiry passes at once (the product passes Date.now()).
const TableName = 'ivschat';
const table = useDynalite(TableName);

const exists = async (key: { PK: string; SK: string }) =>
  (await table.doc.send(new GetCommand({ TableName, Key: key }))).Item !== undefined;

test('rate counters and used tokens are deleted once their expiry has passed, not before', async () => {
  const sweeper = createExpirySweeper({ doc: table.doc, tableName: TableName });
  const rates = trackRates(createRateCounter({ doc: table.doc, tableName: TableName }), sweeper);
  const tokens = trackUsedTokens(createUsedTokenStore({ doc: table.doc, tableName: TableName }), sweeper);
  const now = Date.now();
  for (let i = 0; i < 5; i++) await rates.take('room1', 2, now); // two taken, three refused: one item
  await tokens.claim('t1', now + 60_000);
  expect(sweeper.size).toBe(2);
  const rate = roomRateKey('room1', Math.floor(now / 1000));
  expect(await exists(rate)).toBe(true);

  expect(await sweeper.sweep(now + 30_000)).toBe(0);
  expect(await exists(rate)).toBe(true);
  expect(await sweeper.sweep(now + 61_000)).toBe(1);
  expect(await exists(rate)).toBe(false);
  expect(await exists(usedTokenKey('t1'))).toBe(true);
  expect(await sweeper.sweep(now + 121_000)).toBe(1);
  expect(await exists(usedTokenKey('t1'))).toBe(false);
  expect(sweeper.size).toBe(0);
});

test('an item whose expiry moved later is kept and deleted at its new expiry', async () => {
  const sweeper = createExpirySweeper({ doc: table.doc, tableName: TableName });
  const tokens = trackUsedTokens(createUsedTokenStore({ doc: table.doc, tableName: TableName }), sweeper);
  const now = Date.now();
  await tokens.claim('t2', now);
  const later = Math.floor(now / 1000) + 600;
  await table.doc.send(
    new UpdateCommand({
      TableName,
      Key: usedTokenKey('t2'),
      UpdateExpression: 'SET expiresAt = :later',
      ExpressionAttributeValues: { ':later': later },
    }),
  );
  expect(await sweeper.sweep(now + 120_000)).toBe(0);
  expect(await exists(usedTokenKey('t2'))).toBe(true);
  expect(sweeper.size).toBe(1);
  expect(await sweeper.sweep((later + 1) * 1000)).toBe(1);
  expect(await exists(usedTokenKey('t2'))).toBe(false);
});

test('a sweep deletes a bounded number of items; a backlog drains over the next sweeps', async () => {
  const sweeper = createExpirySweeper({ doc: table.doc, tableName: TableName });
  const rates = trackRates(createRateCounter({ doc: table.doc, tableName: TableName }), sweeper);
  const now = Date.now();
  const rooms = MAX_DELETES_PER_SWEEP + 50;
  for (let i = 0; i < rooms; i++) await rates.take(`r${i}`, 10, now);
  expect(await sweeper.sweep(now + 61_000)).toBe(MAX_DELETES_PER_SWEEP);
  expect(await sweeper.sweep(now + 62_000)).toBe(50);
  expect(sweeper.size).toBe(0);
  // A key whose item is already gone is dropped, not retried for ever.
  sweeper.track(roomRateKey('gone', 1), 1);
  expect(await sweeper.sweep(now + 63_000)).toBe(0);
  expect(sweeper.size).toBe(0);
});
