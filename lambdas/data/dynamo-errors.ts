import { ThrottlingException } from '../shared/errors';
import type { ResourceType } from '../shared/errors';

/** True when DynamoDB refused a write because its ConditionExpression did not hold. */
export const isConditionFailure = (err: unknown): boolean =>
  err instanceof Error && err.name === 'ConditionalCheckFailedException';

const THROTTLES = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded']);

/**
 * Runs one store operation. DynamoDB throttling reaches the caller as IVS Chat's ThrottlingException
 * (429, which the SDK retries); every other error passes unchanged (domain errors, or a fault that
 * ends as an InternalServerException).
 */
export async function withThrottling<T>(resourceId: string, resourceType: ResourceType, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (err instanceof Error && THROTTLES.has(err.name)) {
      throw new ThrottlingException('Rate exceeded, please slow down and retry', resourceId, resourceType, 0);
    }
    throw err;
  }
}
