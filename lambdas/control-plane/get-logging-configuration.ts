import type { Deps } from '../core/deps';
import { getLoggingConfiguration } from '../core/logging-configurations';
import { loggingConfigurationIdentifierInput, toLoggingConfigurationOutput } from '../domain/logging-configuration';
import { parseInput } from '../domain/validate';
import { lambdaEntry } from '../wiring/deps';
import { ok, restHandler } from './http';

export const makeHandler = (deps: Pick<Deps, 'scope' | 'loggingConfigurations'>) =>
  restHandler('GetLoggingConfiguration', async ({ body }) =>
    ok(toLoggingConfigurationOutput(await getLoggingConfiguration(deps, parseInput(loggingConfigurationIdentifierInput, body).identifier))),
  );

export const handler = lambdaEntry(makeHandler);
