import { LOGGING_CONFIGURATION_POSITION_PATTERN } from '../data/logging-configurations';
import { toRfc3339 } from '../domain/ids';
import {
  CreateLoggingConfigurationInput,
  LoggingConfiguration,
  UpdateLoggingConfigurationInput,
  loggingConfigurationIdOf,
  newLoggingConfiguration,
  toLoggingConfigurationPatch,
} from '../domain/logging-configuration';
import type { Deps } from './deps';
import { readPage } from './pages';

type ConfigurationDeps = Pick<Deps, 'scope' | 'idClock' | 'loggingConfigurations'>;

/** AWS's default and largest ListLoggingConfigurations page. */
const DEFAULT_MAX_RESULTS = 50;

export async function createLoggingConfiguration(
  deps: ConfigurationDeps,
  input: CreateLoggingConfigurationInput,
): Promise<LoggingConfiguration> {
  const configuration = newLoggingConfiguration(input, deps.scope, deps.idClock);
  await deps.loggingConfigurations.create(configuration);
  return configuration;
}

export const getLoggingConfiguration = (
  deps: Pick<Deps, 'scope' | 'loggingConfigurations'>,
  identifier: string,
): Promise<LoggingConfiguration> => deps.loggingConfigurations.get(loggingConfigurationIdOf(identifier, deps.scope));

export const updateLoggingConfiguration = (
  deps: ConfigurationDeps,
  input: UpdateLoggingConfigurationInput,
): Promise<LoggingConfiguration> =>
  deps.loggingConfigurations.update(
    loggingConfigurationIdOf(input.identifier, deps.scope),
    toLoggingConfigurationPatch(input),
    toRfc3339(deps.idClock.now()),
  );

/** Newest createTime first; the order is not documented by AWS, and createTime never changes, so pages never shift. */
export const listLoggingConfigurations = (deps: Pick<Deps, 'loggingConfigurations'>, input: { nextToken?: string; maxResults?: number }) =>
  readPage(
    {
      operation: 'ListLoggingConfigurations',
      filters: {},
      ...input,
      defaultMaxResults: DEFAULT_MAX_RESULTS,
      positions: LOGGING_CONFIGURATION_POSITION_PATTERN,
    },
    async (query) => {
      const page = await deps.loggingConfigurations.listPage(query);
      return { items: page.configurations, last: page.last };
    },
  );
