import { countedInMemory } from '../../../lib/local/quota-counters';

test('counts from what exists up to the limit, gives units back, never below zero', async () => {
  const quota = countedInMemory(3, 2);
  expect(quota.limit).toBe(3);
  expect(await quota.reserve()).toBe(true);
  expect(await quota.reserve()).toBe(false);
  await quota.release();
  expect(await quota.reserve()).toBe(true);
  for (let i = 0; i < 5; i++) await quota.release();
  const taken = await Promise.all(Array.from({ length: 5 }, () => quota.reserve()));
  expect(taken.filter(Boolean)).toHaveLength(3);
});
