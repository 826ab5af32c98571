import { createRequire } from 'node:module';
import { keepsStrings } from '../../../lib/local/memory-level-strings';

type Db = {
  open(): Promise<void>;
  put(key: string, value: unknown): Promise<void>;
  get(key: string): Promise<unknown>;
  keys(options?: Record<string, unknown>): { all(): Promise<string[]> };
  close(): Promise<void>;
};
const { MemoryLevel } = createRequire(require.resolve('dynalite'))('memory-level') as {
  MemoryLevel: new (options?: Record<string, unknown>) => Db;
};

test("dynalite's MemoryLevel keeps strings, with the JSON values and the key order of before", async () => {
  const db = new MemoryLevel({ valueEncoding: 'json' });
  expect(keepsStrings(db)).toBe(true);
  await db.open();
  const item = { PK: { S: 'ROOM#a' }, n: { N: '1' }, list: { L: [{ S: 'é' }] } };
  for (const key of ['b/2/', 'a/10/', 'a/1/', 'a/~/', 'a/é/']) await db.put(key, item);
  expect(await db.get('a/1/')).toEqual(item);
  expect(await db.keys({ gte: 'a/', lt: 'a/\uffff' }).all()).toEqual(['a/1/', 'a/10/', 'a/~/', 'a/é/']);
  await db.close();
});

test('a store encoding asked for explicitly is kept', () => {
  expect(keepsStrings(new MemoryLevel({ storeEncoding: 'buffer' }))).toBe(false);
});
