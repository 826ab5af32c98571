import { ResourceNotFoundException, ValidationException } from '@aws-sdk/client-ivschat';
import { REQUEST_ID } from '../fixtures/aws';

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
