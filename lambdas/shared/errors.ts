/**
 * The Amazon IVS Chat errors, one class each, named exactly as the AWS SDK names them so that
 * `@aws-sdk/client-ivschat` raises the matching exception class. Statuses are the ones modelled in
 * the service's Smithy model (note ServiceQuotaExceeded is 402). `shared/http.ts` is the only place
 * that turns them into a response.
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
  constructor(message: string, resourceId: string, resourceType: ResourceType, readonly limit: number) {
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
