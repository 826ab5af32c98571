import { ThrottlingException } from '../shared/errors';
import type { ResourceType } from '../shared/errors';

/** True when DynamoDB refused a write because its ConditionExpression did not hold. */
export const isConditionFailure = (err: unknown): boolean => err instanceof Error && err.name === 'ConditionalCheckFailedException';

/**
 * A conditional write, and what a failed condition means instead of an error: `otherwise` returns
 * the operation's answer (false, undefined, ...) or throws the domain error (NotFound, Conflict).
 * Every other error passes unchanged.
 */
export async function onConditionFailure<T, F>(write: Promise<T>, otherwise: () => F | Promise<F>): Promise<T | F> {
  try {
    return await write;
  } catch (err) {
    if (isConditionFailure(err)) return otherwise();
    throw err;
  }
}

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

/** The resource a store operation acts on, as a ThrottlingException names it. */
export interface ThrottledResource {
  id: string;
  type: ResourceType;
}

/**
 * The one translating wrapper of a store factory: every operation of `store` runs under
 * withThrottling, naming the resource `resourceOf` finds in its arguments.
 */
export function translatingErrors<S extends object>(store: S, resourceOf: (args: readonly unknown[]) => ThrottledResource): S {
  const operations = store as Record<string, (...args: unknown[]) => Promise<unknown>>;
  return Object.fromEntries(
    Object.entries(operations).map(([name, op]) => [
      name,
      (...args: unknown[]) => {
        const { id, type } = resourceOf(args);
        return withThrottling(id, type, () => op(...args));
      },
    ]),
  ) as S;
}
