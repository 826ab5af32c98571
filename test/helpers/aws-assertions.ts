import { ResourceNotFoundException, ValidationException } from '@aws-sdk/client-ivschat';

export const REGION = 'us-east-1';
export const ACCOUNT = '000000000000';
export const ROOM_ARN_PREFIX = `arn:aws:ivschat:${REGION}:${ACCOUNT}:room/`;
export const LOGGING_ARN_PREFIX = `arn:aws:ivschat:${REGION}:${ACCOUNT}:logging-configuration/`;
/** What the local gateway puts in x-amzn-RequestId (the SDK's $metadata.requestId). */
export const REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Asserts one ValidationException whose fieldList names exactly `fields`, in the order given. */
export async function expectValidation(promise: Promise<unknown>, fields: string[]): Promise<void> {
  const rejection = expect(promise).rejects;
  await rejection.toBeInstanceOf(ValidationException);
  await rejection.toMatchObject({
    name: 'ValidationException',
    reason: 'FIELD_VALIDATION_FAILED',
    fieldList: fields.map((name) => ({ name, message: expect.stringMatching(/\S/) })),
    $metadata: { httpStatusCode: 400, requestId: expect.stringMatching(REQUEST_ID) },
  });
}

/** Asserts a ResourceNotFoundException for the resource with this id. */
export async function expectNotFound(promise: Promise<unknown>, resourceId: string, resourceType = 'ROOM'): Promise<void> {
  const rejection = expect(promise).rejects;
  await rejection.toBeInstanceOf(ResourceNotFoundException);
  await rejection.toMatchObject({
    name: 'ResourceNotFoundException',
    resourceId,
    resourceType,
    $metadata: { httpStatusCode: 404, requestId: expect.stringMatching(REQUEST_ID) },
  });
}
