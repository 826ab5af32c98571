import { ResourceNotFoundException } from '../shared/errors';
import { Scope, localResource, loggingConfigurationArn } from './arn';
import { IdClock, newResourceBase } from './ids';
import { loggingConfigurationIdentifier } from './room';
import { tagsSchema } from './tags';
import { int, optional, required, str, struct, union } from './validate';

/** Where a logging configuration sends a room's chat: exactly one destination. */
export type DestinationConfiguration =
  { s3: { bucketName: string } } | { cloudWatchLogs: { logGroupName: string } } | { firehose: { deliveryStreamName: string } };

/**
 * Of AWS's states, a configuration here is only ever ACTIVE (creates and updates finish at once) or,
 * while DeleteLoggingConfiguration checks that no room uses it, DELETING.
 */
export type LoggingConfigurationState = 'ACTIVE' | 'DELETING';

/** A logging configuration as the service keeps it. Times are RFC 3339 strings, as on the wire. */
export interface LoggingConfiguration {
  id: string;
  arn: string;
  name: string;
  createTime: string;
  updateTime: string;
  destinationConfiguration: DestinationConfiguration;
  state: LoggingConfigurationState;
  tags: Record<string, string>;
}

const name = str({ max: 128, pattern: /^[a-zA-Z0-9-_]*$/ });
const destinationConfiguration = union({
  s3: struct({ bucketName: required(str({ min: 3, max: 63, pattern: /^[a-z0-9-.]+$/ })) }),
  cloudWatchLogs: struct({ logGroupName: required(str({ min: 1, max: 512, pattern: /^[.\-_/#A-Za-z0-9]+$/ })) }),
  firehose: struct({ deliveryStreamName: required(str({ min: 1, max: 64, pattern: /^[a-zA-Z0-9_.-]+$/ })) }),
});

export const createLoggingConfigurationInput = struct({
  destinationConfiguration: required(destinationConfiguration),
  name: optional(name),
  tags: optional(tagsSchema),
});

/** UpdateLoggingConfiguration has no `tags`: tags change only through TagResource. */
export const updateLoggingConfigurationInput = struct({
  identifier: required(loggingConfigurationIdentifier),
  name: optional(name),
  destinationConfiguration: optional(destinationConfiguration),
});

export const loggingConfigurationIdentifierInput = struct({ identifier: required(loggingConfigurationIdentifier) });

export const listLoggingConfigurationsInput = struct({
  nextToken: optional(str({ max: 1024 })),
  maxResults: optional(int({ min: 1, max: 50 })),
});

export type CreateLoggingConfigurationInput = NonNullable<ReturnType<typeof createLoggingConfigurationInput.parse>>;
export type UpdateLoggingConfigurationInput = NonNullable<ReturnType<typeof updateLoggingConfigurationInput.parse>>;

/** The changes an UpdateLoggingConfiguration makes; members left out stay as they are. */
export type LoggingConfigurationPatch = Partial<Pick<LoggingConfiguration, 'name' | 'destinationConfiguration'>>;

/** A new, ACTIVE logging configuration: AWS models Create's answer with that state only. */
export function newLoggingConfiguration(input: CreateLoggingConfigurationInput, scope: Scope, idClock: IdClock): LoggingConfiguration {
  return {
    ...newResourceBase(idClock, (id) => loggingConfigurationArn(scope, id), input.name),
    destinationConfiguration: input.destinationConfiguration,
    state: 'ACTIVE',
    tags: input.tags ?? {},
  };
}

export function toLoggingConfigurationPatch(input: UpdateLoggingConfigurationInput): LoggingConfigurationPatch {
  const { identifier: _identifier, ...patch } = input;
  return patch;
}

/** Every operation's output, and ListLoggingConfigurations' summary: the same eight members. */
export function toLoggingConfigurationOutput(c: LoggingConfiguration) {
  return {
    arn: c.arn,
    id: c.id,
    createTime: c.createTime,
    updateTime: c.updateTime,
    name: c.name,
    destinationConfiguration: c.destinationConfiguration,
    state: c.state,
    tags: c.tags,
  };
}

export const loggingConfigurationNotFound = (arnOrId: string, id: string) =>
  new ResourceNotFoundException(`Logging configuration not found: ${arnOrId}`, id, 'LOGGING_CONFIGURATION');

/** The id of the logging configuration an identifier (an ARN) names in this deployment. */
export const loggingConfigurationIdOf = (identifier: string, scope: Scope): string =>
  localResource(identifier, scope, (id) => loggingConfigurationNotFound(identifier, id)).id;
