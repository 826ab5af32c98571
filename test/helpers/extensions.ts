import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { ExtensionServiceError, IvschatExtensionsClient } from '../../lib/client/extensions';
import { tableClient } from './chat';
import { REQUEST_ID } from '../fixtures/aws';
import { principalsFile } from '../fixtures/principals';

/** The extension operations' client (lib/client/extensions.ts) on a running stack, test/test unless told. */
export const extensionsClient = (
  apiUrl: string,
  credentials = { accessKeyId: 'test', secretAccessKey: 'test' },
  signingName: 'ivschat' | 'execute-api' = 'ivschat',
) => new IvschatExtensionsClient({ endpoint: apiUrl, region: 'us-east-1', credentials, signingName });

export const EXTENSION_ACTIONS = ['ListMessages', 'GetRoomPresence', 'BanUser', 'UnbanUser', 'ListBans'] as const;

/** Keys of a principal allowed everything but the extension operations (the IVS Chat API only). */
export const RESTRICTED = { accessKeyId: 'AKIDCLASSIC', secretAccessKey: 'classic-secret' };

/** A principals file: test/test may do everything; RESTRICTED may call every IVS Chat action but the extensions. */
export const extensionPrincipals = (): string =>
  principalsFile([
    { accessKeyId: 'test', secretAccessKey: 'test', allow: ['ivschat:*', 'execute-api:ManageConnections'] },
    {
      ...RESTRICTED,
      allow: [
        'ivschat:CreateRoom',
        'ivschat:GetRoom',
        'ivschat:CreateChatToken',
        'ivschat:SendEvent',
        'ivschat:DeleteMessage',
        'ivschat:DisconnectUser',
      ],
    },
  ]);

/** The error an extension call rejected with; fails the test if it resolved. */
export async function serviceError(promise: Promise<unknown>): Promise<ExtensionServiceError> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected an error, got ${JSON.stringify(outcome.value)}`);
  if (!(outcome.error instanceof ExtensionServiceError)) throw outcome.error;
  expect(outcome.error.requestId).toMatch(REQUEST_ID);
  return outcome.error;
}

/** Asserts a ValidationException naming exactly `fields` in its fieldList. */
export async function expectInvalid(promise: Promise<unknown>, fields: string[]): Promise<void> {
  const error = await serviceError(promise);
  expect({ name: error.name, status: error.status, reason: error.details.reason }).toEqual({
    name: 'ValidationException',
    status: 400,
    reason: 'FIELD_VALIDATION_FAILED',
  });
  expect((error.details.fieldList as { name: string }[]).map((f) => f.name)).toEqual(fields);
}

/** Asserts a ResourceNotFoundException for a room. */
export async function expectNoRoom(promise: Promise<unknown>, roomId: string): Promise<void> {
  const error = await serviceError(promise);
  expect({ name: error.name, status: error.status, ...error.details }).toEqual({
    name: 'ResourceNotFoundException',
    status: 404,
    resourceId: roomId,
    resourceType: 'ROOM',
  });
}

/** The items of one partition (`BANS#<roomId>`, `HIST#<roomId>`) straight from a stack's dynalite (a scan: tests only). */
export async function partitionItems(dynamodbEndpoint: string, partition: string): Promise<Record<string, unknown>[]> {
  const db = tableClient(dynamodbEndpoint);
  try {
    const { Items } = await db.send(
      new ScanCommand({ TableName: 'ivschat', FilterExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': partition } }),
    );
    return Items ?? [];
  } finally {
    db.destroy();
  }
}
