import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { TABLE, createTableInput } from '../../lambdas/data/table';
import { LocalConfigError } from './settings';

export interface RunningDynalite {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * Starts dynalite on a free loopback port: in memory, or in `<dataDir>/dynamodb` (LevelDB), where
 * data survives restarts and even a kill.
 */
export async function startDynalite(dataDir: string | undefined): Promise<RunningDynalite> {
  closeIteratorsOnReturn();
  let path: string | undefined;
  if (dataDir) {
    path = join(dataDir, 'dynamodb');
    mkdirSync(path, { recursive: true });
    await assertUnlocked(path, dataDir);
  }
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(path ? { path } : {}) });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The dynalite release whose iterator leak `closeIteratorsOnReturn` was written for and checked against. */
export const DYNALITE_VERSION = '4.0.0';

interface IteratorClass {
  prototype: { close(): Promise<void>; return?: (value?: unknown) => Promise<IteratorResult<unknown>> };
}

/**
 * Fixes dynalite 4.0.0's iterator leak, at load time. Its key and value streams (db/index.js, used
 * by every Query and Scan) close their abstract-level iterator with `iterator.return()`, which
 * abstract-level 3 iterators do not have (they have `close()`), so no iterator is ever closed: each
 * stays registered with the database and pins the store's snapshot of its time, ~0.9 KB a query
 * when idle, far more once data changes. Local mode's sweepers query all day, so the server grew
 * without bound. This gives abstract-level's iterators the `return()` of the async-iterator
 * protocol, as a close, which is what dynalite's streams already call when they end or are
 * destroyed. It is done here rather than with a patch of node_modules because it then holds
 * however the dependencies were installed (`--ignore-scripts` skips a postinstall patch). The
 * version check makes an upgrade stop here, so that whoever upgrades re-checks whether the new
 * release still needs this (test/integration/local/idle-memory.test.ts measures the leak).
 */
export function closeIteratorsOnReturn(): void {
  const fromDynalite = createRequire(require.resolve('dynalite'));
  const { version } = fromDynalite('./package.json') as { version: string };
  if (version !== DYNALITE_VERSION) {
    throw new Error(`dynalite ${version} installed, local mode's iterator fix is for ${DYNALITE_VERSION}: re-check lib/local/dynalite.ts`);
  }
  // abstract-level as each of dynalite's stores loads it (in memory; LevelDB under a data dir).
  const stores = [fromDynalite.resolve('memory-level'), createRequire(fromDynalite.resolve('level')).resolve('classic-level')];
  for (const store of stores) {
    const abstractLevel = createRequire(store)('abstract-level') as Record<string, IteratorClass>;
    for (const name of ['AbstractIterator', 'AbstractKeyIterator', 'AbstractValueIterator']) {
      const { prototype } = abstractLevel[name] as IteratorClass;
      prototype.return ??= async function (this: { close(): Promise<void> }, value?: unknown) {
        await this.close();
        return { done: true, value };
      };
    }
  }
}

interface LevelDb {
  open(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Fails with a one-line reason when another process holds the LevelDB lock. dynalite itself opens
 * the database lazily and, when the open fails, throws from its request handler and takes the whole
 * process down, so the lock is tried first with dynalite's own copy of `level`.
 */
async function assertUnlocked(path: string, dataDir: string): Promise<void> {
  const { Level } = createRequire(require.resolve('dynalite'))('level') as { Level: new (path: string) => LevelDb };
  const db = new Level(path);
  try {
    await db.open();
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    if (cause?.code === 'LEVEL_LOCKED') throw new LocalConfigError(`data dir ${dataDir} is in use by another process`);
    throw err;
  } finally {
    await db.close();
  }
}

/**
 * Creates the table from data/table.ts unless it is already there (a restart over a data dir), and
 * waits until it is ACTIVE: dynalite answers CreateTable with CREATING, and until the switch (a
 * moment later, longer on LevelDB) a Scan or Query of the table is ResourceNotFoundException.
 */
export async function ensureTable(endpoint: string, region: string, tableName: string): Promise<{ missingIndexes: string[] }> {
  const client = new DynamoDBClient({ endpoint, region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const status = async () => {
    try {
      return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table?.TableStatus;
    } catch (err) {
      if ((err as Error).name === 'ResourceNotFoundException') return undefined;
      throw err;
    }
  };
  try {
    if ((await status()) === undefined) await client.send(new CreateTableCommand(createTableInput(tableName)));
    for (const deadline = Date.now() + TABLE_ACTIVE_TIMEOUT_MS; (await status()) !== 'ACTIVE';) {
      if (Date.now() > deadline) throw new Error(`table ${tableName} did not become ACTIVE within ${TABLE_ACTIVE_TIMEOUT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // dynalite cannot add an index to an existing table: a data dir made before one was added lacks it.
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const present = new Set((Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
    return { missingIndexes: Object.values(TABLE.indexes).flatMap((index) => (present.has(index.indexName) ? [] : [index.indexName])) };
  } finally {
    client.destroy();
  }
}

const TABLE_ACTIVE_TIMEOUT_MS = 10_000;
