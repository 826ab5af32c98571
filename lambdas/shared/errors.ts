import { logger } from './logger';

/**
 * The Amazon IVS Chat errors, one class each, named exactly as the AWS SDK names them so that
 * `@aws-sdk/client-ivschat` raises the matching exception class. Statuses are the ones modelled in
 * the service's Smithy model (note ServiceQuotaExceeded is 402). `control-plane/http.ts` is the only
 * place that turns them into a response.
 */
export type ResourceType = 'ROOM' | 'LOGGING_CONFIGURATION';
export type ValidationReason = 'UNKNOWN_OPERATION' | 'FIELD_VALIDATION_FAILED' | 'OTHER';

export interface FieldError {
  name: string;
  message: string;
}

export abstract class IvsChatError extends Error {
  abstract readonly status: number;
  /** Members of the JSON error body besides `message`, as the SDK reads them. */
  fields(): Record<string, unknown> {
    return {};
  }
}

export class ValidationException extends IvsChatError {
  override readonly name = 'ValidationException';
  readonly status = 400;
  constructor(
    message: string,
    readonly reason: ValidationReason = 'FIELD_VALIDATION_FAILED',
    readonly fieldList: FieldError[] = [],
  ) {
    super(message);
  }
  static forFields(fieldList: FieldError[]): ValidationException {
    const summary = fieldList.map((f) => `${f.name}: ${f.message}`).join('; ');
    return new ValidationException(`Validation failed: ${summary}`, 'FIELD_VALIDATION_FAILED', fieldList);
  }
  override fields() {
    return this.fieldList.length > 0 ? { reason: this.reason, fieldList: this.fieldList } : { reason: this.reason };
  }
}

export class AccessDeniedException extends IvsChatError {
  override readonly name = 'AccessDeniedException';
  readonly status = 403;
}

export class PendingVerification extends IvsChatError {
  override readonly name = 'PendingVerification';
  readonly status = 403;
}

abstract class ResourceError extends IvsChatError {
  constructor(
    message: string,
    readonly resourceId: string,
    readonly resourceType: ResourceType,
  ) {
    super(message);
  }
  override fields(): Record<string, unknown> {
    return { resourceId: this.resourceId, resourceType: this.resourceType };
  }
}

export class ResourceNotFoundException extends ResourceError {
  override readonly name = 'ResourceNotFoundException';
  readonly status = 404;
}

export class ConflictException extends ResourceError {
  override readonly name = 'ConflictException';
  readonly status = 409;
}

abstract class LimitError extends ResourceError {
  constructor(
    message: string,
    resourceId: string,
    resourceType: ResourceType,
    readonly limit: number,
  ) {
    super(message, resourceId, resourceType);
  }
  override fields(): Record<string, unknown> {
    return { ...super.fields(), limit: this.limit };
  }
}

export class ServiceQuotaExceededException extends LimitError {
  override readonly name = 'ServiceQuotaExceededException';
  readonly status = 402;
}

export class ThrottlingException extends LimitError {
  override readonly name = 'ThrottlingException';
  readonly status = 429;
}

export class InternalServerException extends IvsChatError {
  override readonly name = 'InternalServerException';
  readonly status = 500;
}

/** The codes ERROR frames carry, as the Messaging API documents them. */
export type MessagingErrorCode = 400 | 401 | 403 | 404 | 406 | 413 | 429 | 500;

/**
 * A refused messaging request: becomes an ERROR frame for the requester only (or, on $connect, the
 * handshake's HTTP status). The Messaging API's codes, not the control plane's named errors.
 */
export class MessagingError extends Error {
  constructor(
    readonly code: MessagingErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const MESSAGING_CODES: readonly MessagingErrorCode[] = [400, 401, 403, 404, 406, 413, 429, 500];

/**
 * The one mapping from errors to the Messaging API's codes: a MessagingError keeps its code, an
 * IVS Chat error (ResourceNotFound, Throttling, ...) keeps its HTTP status where the Messaging API
 * has that code, and anything else is a 500 that reveals nothing.
 */
export function messagingErrorOf(err: unknown): { code: MessagingErrorCode; message: string } {
  if (err instanceof MessagingError) return { code: err.code, message: err.message };
  if (err instanceof IvsChatError && (MESSAGING_CODES as readonly number[]).includes(err.status)) {
    return { code: err.status as MessagingErrorCode, message: err.message };
  }
  logger.error('messaging request failed', { error: err as Error });
  return { code: 500, message: 'An internal error occurred' };
}
