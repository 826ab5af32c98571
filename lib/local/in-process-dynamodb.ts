import * as DynamoDB from '@aws-sdk/client-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TranslateConfig,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';

/**
 * What dynalite does with one request once its HTTP layer has read it: the action's name as in
 * X-Amz-Target ('GetItem') and the parsed JSON body; it answers with the JSON body it would send,
 * or rejects with the status and `__type` body of an error answer (see dynalite.ts).
 */
export type DynamoDBEngine = (operation: string, input: Record<string, unknown>) => Promise<Record<string, unknown>>;

/** An error answer of the engine, as dynalite's HTTP layer would send it. */
export interface EngineError {
  statusCode: number;
  body: { __type?: string; message?: string; Message?: string };
}

/** The keys (or, for a put, the items) a write touches, or 'all' when it may have touched anything. */
export type WrittenKeys = readonly Record<string, unknown>[] | 'all';

type KeyNodes = Record<string, unknown> | unknown[] | null;
interface DocumentCommand {
  input: Record<string, unknown>;
  inputKeyNodes: Record<string, unknown>;
  outputKeyNodes: Record<string, unknown>;
}

/** The document commands the stores send, each with the DynamoDB action it is. */
const OPERATIONS = new Map<unknown, string>([
  [GetCommand, 'GetItem'],
  [PutCommand, 'PutItem'],
  [UpdateCommand, 'UpdateItem'],
  [DeleteCommand, 'DeleteItem'],
  [QueryCommand, 'Query'],
  [ScanCommand, 'Scan'],
  [BatchWriteCommand, 'BatchWriteItem'],
  [BatchGetCommand, 'BatchGetItem'],
]);

/**
 * A DynamoDBDocumentClient whose document commands are served by dynalite in this process: the
 * command's input is marshalled as lib-dynamodb does it (the command's own key nodes and the
 * client's marshall options), handed to the engine, and the answer unmarshalled the same way. No
 * HTTP, no SigV4 signing and none of the SDK's per-call middleware (building the middleware stack
 * per call, endpoint rules, retries, user agent), which together cost more than the database work
 * itself (docs/performance.md). The stores keep using the `@aws-sdk/lib-dynamodb` surface, so the
 * AWS path is the very same code. Errors keep their AWS shape: the SDK's own exception classes
 * (ConditionalCheckFailedException, ...), or a DynamoDBServiceException with the error's name, as
 * the SDK builds for errors it does not model. `onWrite` hears of every write before it is done
 * and again once it is, so caches over the table can drop what it changes (see table-cache.ts).
 */
export class InProcessDocumentClient extends DynamoDBDocumentClient {
  private readonly engine: DynamoDBEngine;
  private readonly translate: Required<TranslateConfig>;
  private readonly onWrite: (keys: WrittenKeys) => void;

  constructor(engine: DynamoDBEngine, region: string, translateConfig: TranslateConfig, onWrite: (keys: WrittenKeys) => void) {
    // The wrapped client is never sent anything; the base class only needs one to exist.
    super(new DynamoDB.DynamoDBClient({ region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }), translateConfig);
    this.engine = engine;
    this.onWrite = onWrite;
    this.translate = {
      marshallOptions: { ...translateConfig.marshallOptions, convertTopLevelContainer: true },
      unmarshallOptions: { ...translateConfig.unmarshallOptions, convertWithoutMapWrapper: true },
    };
  }

  // Overrides every overload of Client.send (promise and callback forms); the stores use the promise form.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override send(command: any, ...rest: any[]): any {
    const callback = rest.find((arg): arg is (err: unknown, data?: unknown) => void => typeof arg === 'function');
    const answer = this.run(command as DocumentCommand);
    if (!callback) return answer;
    answer.then(
      (data) => callback(null, data),
      (err: unknown) => callback(err),
    );
  }

  private async run(command: DocumentCommand): Promise<Record<string, unknown>> {
    const operation = OPERATIONS.get(command.constructor);
    if (!operation) throw new Error(`${command.constructor.name} is not served in process (lib/local/in-process-dynamodb.ts)`);
    const { marshallOptions, unmarshallOptions } = this.translate;
    const input = translate(command.input, command.inputKeyNodes, (value) => toWire(marshall(value, marshallOptions) as AttributeValue));
    const written = writtenKeys(operation, command.input);
    if (written) this.onWrite(written);
    let output: Record<string, unknown>;
    try {
      output = await this.engine(operation, input as Record<string, unknown>);
    } catch (err) {
      throw isEngineError(err) ? awsError(err) : err;
    } finally {
      if (written) this.onWrite(written);
    }
    return {
      ...(translate(output, command.outputKeyNodes, (value) =>
        unmarshall(fromWireValue(value as Record<string, unknown>) as never, unmarshallOptions),
      ) as object),
      $metadata: { httpStatusCode: 200, attempts: 1, totalRetryDelay: 0 },
    };
  }
}

/** The keys a write changes, from the document input (before marshalling). */
function writtenKeys(operation: string, input: Record<string, unknown>): WrittenKeys | undefined {
  switch (operation) {
    case 'PutItem':
      return [input.Item as Record<string, unknown>];
    case 'UpdateItem':
    case 'DeleteItem':
      return [input.Key as Record<string, unknown>];
    case 'BatchWriteItem':
      return Object.values(input.RequestItems as Record<string, { PutRequest?: { Item: object }; DeleteRequest?: { Key: object } }[]>)
        .flat()
        .map((request) => (request.PutRequest?.Item ?? request.DeleteRequest?.Key ?? {}) as Record<string, unknown>);
    default:
      return undefined;
  }
}

/**
 * lib-dynamodb's walk of an input or output along a command's key nodes (its processKeysInObj):
 * `null` is the value itself, `{}` or `[]` every member, `{ '*': nodes }` every member down one
 * more level, anything else the named members only; functions are dropped, as lib-dynamodb does.
 */
function translate(value: unknown, nodes: KeyNodes, convert: (value: unknown) => unknown): unknown {
  if (value === undefined) return undefined;
  if (nodes === null) return convert(value);
  const names = Object.keys(nodes);
  const members = (each: (member: unknown) => unknown) => {
    if (Array.isArray(value)) return value.filter((v) => typeof v !== 'function').map(each);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as object)) {
      if (typeof v === 'function') continue;
      const converted = each(v);
      if (converted !== undefined) out[k] = converted;
    }
    return out;
  };
  if (names.length === 0) return members((member) => translate(member, null, convert));
  if (names.length === 1 && names[0] === '*')
    return members((member) => translate(member, (nodes as Record<string, KeyNodes>)['*'] ?? null, convert));
  const out = (Array.isArray(value) ? [...(value as unknown[])] : { ...(value as object) }) as Record<string, unknown>;
  for (const name of names) {
    const converted = translate((value as Record<string, unknown>)[name], (nodes as Record<string, KeyNodes>)[name] ?? null, convert);
    if (converted !== undefined) out[name] = converted;
  }
  return out;
}

/** Binary values travel as base64 in DynamoDB's JSON, which is what dynalite reads and answers. */
function toWire(value: AttributeValue): unknown {
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS !== undefined) return { BS: value.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (value.M !== undefined) return { M: Object.fromEntries(Object.entries(value.M).map(([k, v]) => [k, toWire(v)])) };
  if (value.L !== undefined) return { L: value.L.map(toWire) };
  return value;
}

function fromWire(value: Record<string, unknown>): unknown {
  const out: Record<string, unknown> = {};
  for (const [name, av] of Object.entries(value)) out[name] = fromWireValue(av as Record<string, unknown>);
  return out;
}

function fromWireValue(value: Record<string, unknown>): unknown {
  if (typeof value.B === 'string') return { B: Buffer.from(value.B, 'base64') };
  if (Array.isArray(value.BS)) return { BS: (value.BS as string[]).map((b) => Buffer.from(b, 'base64')) };
  if (value.M !== undefined) return { M: fromWire(value.M as Record<string, unknown>) };
  if (Array.isArray(value.L)) return { L: (value.L as Record<string, unknown>[]).map(fromWireValue) };
  return value;
}

function isEngineError(err: unknown): err is EngineError {
  return typeof err === 'object' && err !== null && typeof (err as EngineError).statusCode === 'number' && 'body' in err;
}

type ExceptionClass = new (options: { message: string; $metadata: object }) => DynamoDB.DynamoDBServiceException;

/**
 * The exception the SDK would throw for this answer: its `__type` after the `#` is the name, which
 * is a modelled exception class (ConditionalCheckFailedException, ResourceNotFoundException, ...)
 * or, like ValidationException, a DynamoDBServiceException that carries the name.
 */
function awsError({ statusCode, body }: EngineError): DynamoDB.DynamoDBServiceException {
  const name = (body.__type ?? 'UnknownError').split('#').pop() as string;
  const message = body.message ?? body.Message ?? name;
  const $metadata = { httpStatusCode: statusCode, attempts: 1, totalRetryDelay: 0 };
  const modelled = (DynamoDB as unknown as Record<string, unknown>)[name];
  if (typeof modelled === 'function' && modelled.prototype instanceof DynamoDB.DynamoDBServiceException) {
    return new (modelled as ExceptionClass)({ message, $metadata });
  }
  return new DynamoDB.DynamoDBServiceException({ name, $fault: statusCode >= 500 ? 'server' : 'client', message, $metadata });
}
