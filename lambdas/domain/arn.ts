/** Room ARNs as AWS validates them: partition `aws` only, and only the ARN form (no bare ids). */
export const ROOM_ARN_PATTERN = /^arn:aws:ivschat:[a-z0-9-]+:[0-9]+:room\/[a-zA-Z0-9-]+$/;
export const LOGGING_CONFIGURATION_ARN_PATTERN = /^arn:aws:ivschat:[a-z0-9-]+:[0-9]+:logging-configuration\/[a-zA-Z0-9-]+$/;
/**
 * The model's ResourceArn pattern reads `:[a-z-]/`, one character, which no real ARN matches;
 * accepting the two taggable resource types is what AWS evidently does.
 */
export const RESOURCE_ARN_PATTERN = /^arn:aws:ivschat:[a-z0-9-]+:[0-9]+:(room|logging-configuration)\/[a-zA-Z0-9-]+$/;
export const LAMBDA_ARN_PATTERN = /^$|^arn:aws:lambda:[a-z0-9-]+:[0-9]{12}:function:.+/;

export type ResourceKind = 'room' | 'logging-configuration';

export interface ParsedArn {
  region: string;
  accountId: string;
  kind: ResourceKind;
  id: string;
}

/** Where this deployment lives: ARNs it mints carry these, and ARNs naming anything else are not found. */
export interface Scope {
  region: string;
  accountId: string;
}

export const roomArn = (scope: Scope, id: string): string => `arn:aws:ivschat:${scope.region}:${scope.accountId}:room/${id}`;

export const loggingConfigurationArn = (scope: Scope, id: string): string =>
  `arn:aws:ivschat:${scope.region}:${scope.accountId}:logging-configuration/${id}`;

/** Splits an ARN already checked against one of the patterns above. */
export function parseArn(arn: string): ParsedArn {
  const [, , , region = '', accountId = '', resource = ''] = arn.split(':');
  const slash = resource.indexOf('/');
  return {
    region,
    accountId,
    kind: resource.slice(0, slash) as ResourceKind,
    id: resource.slice(slash + 1),
  };
}

/**
 * True when a Lambda function ARN (already checked against LAMBDA_ARN_PATTERN) is in this
 * deployment's account and region: `arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`.
 */
export function isLambdaInScope(functionArn: string, scope: Scope): boolean {
  const [, , , region, accountId] = functionArn.split(':');
  return region === scope.region && accountId === scope.accountId;
}

/** True when the ARN names a resource of this deployment (same region and account). */
export const isInScope = (arn: ParsedArn, scope: Scope): boolean => arn.region === scope.region && arn.accountId === scope.accountId;

/**
 * The id of a resource named by an ARN (already pattern-checked). An ARN of another region or
 * account names nothing here, which AWS reports as not found.
 */
export function localResource(arn: string, scope: Scope, notFound: (id: string) => Error): ParsedArn {
  const parsed = parseArn(arn);
  if (!isInScope(parsed, scope)) throw notFound(parsed.id);
  return parsed;
}
