import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
// Before dynalite loads: its in-memory store keeps strings, not Buffers (see the module).
import { keepsStrings } from './memory-level-strings';
import dynalite from 'dynalite';
import { createTableInput } from '../../lambdas/data/table';
import type { DynamoDBEngine } from './in-process-dynamodb';
import { LocalConfigError } from './settings';

export interface RunningDynalite {
  /** The HTTP endpoint, for any DynamoDB client (tests, tools, the table's own set-up). */
  endpoint: string;
  /** The same database in this process, without HTTP: for InProcessDocumentClient. */
  engine: DynamoDBEngine;
  /**
   * Hears of every write that came in through the HTTP endpoint, from another process (a test, a
   * tool), when it arrives and again before it is answered: caches of this process drop everything.
   */
  onExternalWrite(listener: () => void): void;
  close(): Promise<void>;
}

type Callback = (err: unknown, data?: Record<string, unknown>) => void;
type Writer = (...args: unknown[]) => unknown;
interface DynaliteStore {
  tableDb: { put: Writer; del: Writer; batch: Writer };
  db: unknown;
  getTable(name: string, checkStatus: boolean | Callback, cb?: Callback): void;
}
interface DynaliteInternals {
  validations: {
    toLowerFirst(name: string): string;
    checkTypes(data: unknown, types: unknown): Record<string, unknown>;
    checkValidations(data: unknown, types: unknown, custom: unknown, store: DynaliteStore): void;
    validateExpressions(data: Record<string, unknown>): string | undefined;
  };
  action(name: string): { run: (store: DynaliteStore, data: unknown, cb: Callback) => void; types: unknown; custom: unknown };
}

/** The operations that change items or tables: an external one of these makes caches drop everything. */
const WRITE_TARGET = /\.(PutItem|UpdateItem|DeleteItem|BatchWriteItem|CreateTable|DeleteTable|UpdateTable)$/;

/**
 * Starts dynalite on a free loopback port: in memory, or in `<dataDir>/dynamodb` (LevelDB), where
 * data survives restarts and even a kill. The handlers of this process reach the same store through
 * `engine`, without HTTP.
 */
export async function startDynalite(dataDir: string | undefined): Promise<RunningDynalite> {
  closeIteratorsOnReturn();
  let path: string | undefined;
  if (dataDir) {
    path = join(dataDir, 'dynamodb');
    mkdirSync(path, { recursive: true });
    await assertUnlocked(path, dataDir);
  }
  const { server, store } = withStore(() => dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(path ? { path } : {}) }));
  if (!path && !keepsStrings(store.db)) {
    server.close();
    throw new Error(
      `dynalite ${DYNALITE_VERSION}'s in-memory store keeps Buffers: lib/local/memory-level-strings.ts loaded after dynalite; re-check it`,
    );
  }
  const listeners: (() => void)[] = [];
  const external = () => listeners.forEach((listener) => listener());
  // dynalite's own request handler, behind one that notes writes from outside.
  const [handle] = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (WRITE_TARGET.test(String(req.headers['x-amz-target'] ?? ''))) {
      external();
      const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
      res.end = ((...args: unknown[]) => {
        external();
        return end(...args);
      }) as typeof res.end;
    }
    handle?.(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    engine: inProcessEngine(store),
    onExternalWrite: (listener) => listeners.push(listener),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function internals(): DynaliteInternals {
  const fromDynalite = createRequire(require.resolve('dynalite'));
  const validations = fromDynalite('./validations') as DynaliteInternals['validations'];
  const actions = new Map<string, ReturnType<DynaliteInternals['action']>>();
  return {
    validations,
    action: (name) => {
      let action = actions.get(name);
      if (!action) {
        const lower = validations.toLowerFirst(name);
        const checks = fromDynalite(`./validations/${lower}`) as { types: unknown; custom: unknown };
        action = { run: fromDynalite(`./actions/${lower}`) as ReturnType<DynaliteInternals['action']>['run'], ...checks };
        actions.set(name, action);
      }
      return action;
    },
  };
}

/** Operations dynalite serves (its index.js); anything else is refused as its HTTP layer refuses it. */
const ENGINE_OPERATIONS = new Set(['BatchGetItem', 'BatchWriteItem', 'DeleteItem', 'GetItem', 'PutItem', 'Query', 'Scan', 'UpdateItem']);

/**
 * What dynalite's HTTP handler does with a request after reading it (index.js: checkTypes,
 * checkValidations, then the action), called directly: the same validation errors and the same
 * answers, without the socket, the JSON text, the CRC or the signature check. Two of dynalite's
 * per-request costs are remembered here (see withTablesInMemory and parsingOnce): the table's
 * description, and the parse of expressions that carry no values.
 */
function inProcessEngine(store: DynaliteStore): DynamoDBEngine {
  const { validations, action } = internals();
  const cached = withTablesInMemory(store);
  const validateExpressions = validations.validateExpressions;
  const parsedOnce = parsingOnce(validateExpressions);
  return (operation, input) =>
    new Promise((resolve, reject) => {
      if (!ENGINE_OPERATIONS.has(operation)) {
        reject({ statusCode: 400, body: { __type: 'com.amazon.coral.service#UnknownOperationException' } });
        return;
      }
      const { run, types, custom } = action(operation);
      let data: Record<string, unknown>;
      try {
        data = validations.checkTypes(input, types);
        // The actions' validations call validateExpressions through the module's exports: swapped
        // for the remembering one only for this synchronous call, so dynalite's HTTP path is untouched.
        validations.validateExpressions = parsedOnce;
        try {
          validations.checkValidations(data, types, custom, cached);
        } finally {
          validations.validateExpressions = validateExpressions;
        }
      } catch (err) {
        reject(err);
        return;
      }
      run(cached, data, (err, answer) => (err ? reject(err) : resolve(answer ?? {})));
    });
}

/**
 * `store` whose getTable answers from memory once the table is ACTIVE. dynalite reads the table's
 * description from its database (and decodes its JSON) at every item operation, which cost about a
 * tenth of a $connect's database time. Every change of a description goes through the store's
 * tableDb (CreateTable, UpdateTable, DeleteTable and the status switches that follow them, all
 * through the HTTP endpoint), so each write of it drops what is remembered; a read that overlapped
 * such a write is answered but not kept. The actions only read the description.
 */
function withTablesInMemory(store: DynaliteStore): DynaliteStore {
  const tables = new Map<string, Record<string, unknown>>();
  let generation = 0;
  const { tableDb } = store;
  for (const name of ['put', 'del', 'batch'] as const) {
    const write = tableDb[name].bind(tableDb);
    tableDb[name] = (...args) => {
      generation++;
      tables.clear();
      return write(...args);
    };
  }
  const getTable: DynaliteStore['getTable'] = (name, checkStatus, cb) => {
    const callback = (typeof checkStatus === 'function' ? checkStatus : cb) as Callback;
    const table = tables.get(name);
    if (table) {
      queueMicrotask(() => callback(null, table));
      return;
    }
    const at = generation;
    // A callback given as the second argument counts as a status check (dynalite's getTable).
    store.getTable(name, typeof checkStatus === 'function' ? true : checkStatus, (err, found) => {
      // Only an ACTIVE table is kept: its answer is the same with or without the status check. The
      // map holds the tables of this dynalite, which local mode creates one of.
      if (!err && found?.TableStatus === 'ACTIVE' && at === generation && tables.size < MAX_REMEMBERED_TABLES) tables.set(name, found);
      callback(err, found);
    });
  };
  return { ...store, getTable };
}

const MAX_REMEMBERED_TABLES = 16;

/** The members of a request that validateExpressions reads, and the parsed forms it sets on it. */
const EXPRESSION_INPUTS = [
  'UpdateExpression',
  'ConditionExpression',
  'KeyConditionExpression',
  'FilterExpression',
  'ProjectionExpression',
  'ExpressionAttributeNames',
] as const;
const PARSED = ['_updates', '_condition', '_keyCondition', '_filter', '_projection'] as const;

/**
 * dynalite's validateExpressions, remembering its outcome (the error, or the parsed expressions it
 * sets on the request) for requests without ExpressionAttributeValues: their outcome depends on
 * the expressions and names alone. The parser (a PEG) costs about 0.1 ms even for
 * `attribute_not_exists(PK)`, and every $connect's token claim is that conditional put. A request
 * with values is parsed each time, since the values are part of the parse, and so is one with an
 * UpdateExpression, whose tree UpdateItem changes as it runs. The other trees are only read by the
 * actions, so one is shared by every request of the same text. Bounded: the
 * stores send a few dozen distinct expressions; past the bound the oldest goes.
 */
function parsingOnce(validate: DynaliteInternals['validations']['validateExpressions']) {
  const outcomes = new Map<string, { message: string | undefined; parsed: unknown[] }>();
  return (data: Record<string, unknown>): string | undefined => {
    if (data.ExpressionAttributeValues !== undefined && data.ExpressionAttributeValues !== null) return validate(data);
    // UpdateItem writes resolved values into its `_updates` tree (updateItem.js), so that tree cannot be shared.
    if (data.UpdateExpression !== undefined && data.UpdateExpression !== null) return validate(data);
    const key = JSON.stringify(EXPRESSION_INPUTS.map((name) => data[name] ?? null));
    let outcome = outcomes.get(key);
    if (!outcome) {
      const message = validate(data);
      outcome = { message, parsed: PARSED.map((name) => data[name]) };
      if (outcomes.size >= MAX_REMEMBERED_EXPRESSIONS) outcomes.delete(outcomes.keys().next().value as string);
      outcomes.set(key, outcome);
      return message;
    }
    PARSED.forEach((name, i) => {
      if (outcome.parsed[i] !== undefined) data[name] = outcome.parsed[i];
    });
    return outcome.message;
  };
}

const MAX_REMEMBERED_EXPRESSIONS = 256;

/** dynalite keeps its store to itself: this catches it as dynalite() creates it. */
function withStore(start: () => Server): { server: Server; store: DynaliteStore } {
  const db = createRequire(require.resolve('dynalite'))('./db') as { create: (options: unknown) => DynaliteStore };
  const create = db.create;
  let store: DynaliteStore | undefined;
  db.create = (options) => (store = create(options));
  try {
    const server = start();
    if (!store) throw new Error(`dynalite ${DYNALITE_VERSION} did not create its store through db.create: re-check lib/local/dynalite.ts`);
    return { server, store };
  } finally {
    db.create = create;
  }
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
 * `unusedIndexes` are not created (nor reported missing): indexes the caller never queries, whose
 * entries would only take memory.
 */
export async function ensureTable(
  endpoint: string,
  region: string,
  tableName: string,
  unusedIndexes: readonly string[] = [],
): Promise<{ missingIndexes: string[] }> {
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
    if ((await status()) === undefined) await client.send(new CreateTableCommand(createTableInput(tableName, unusedIndexes)));
    for (const deadline = Date.now() + TABLE_ACTIVE_TIMEOUT_MS; (await status()) !== 'ACTIVE';) {
      if (Date.now() > deadline) throw new Error(`table ${tableName} did not become ACTIVE within ${TABLE_ACTIVE_TIMEOUT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // dynalite cannot add an index to an existing table: a data dir made before one was added lacks it.
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const present = new Set((Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
    const wanted = (createTableInput(tableName, unusedIndexes).GlobalSecondaryIndexes ?? []).map((index) => index.IndexName as string);
    return { missingIndexes: wanted.filter((name) => !present.has(name)) };
  } finally {
    client.destroy();
  }
}

const TABLE_ACTIVE_TIMEOUT_MS = 10_000;
