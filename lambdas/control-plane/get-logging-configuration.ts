import { loggingConfigurationIdOf, loggingConfigurationIdentifierInput, toLoggingConfigurationOutput } from '../domain/logging-configuration';
import { parseInput } from '../domain/validate';
import { Deps, defaultDeps } from '../shared/clients';
import { ok, restHandler } from '../shared/http';

export const makeHandler = (deps: Deps) =>
  restHandler('GetLoggingConfiguration', async ({ body }) => {
    const { identifier } = parseInput(loggingConfigurationIdentifierInput, body);
    return ok(toLoggingConfigurationOutput(await deps.loggingConfigurations.get(loggingConfigurationIdOf(identifier, deps.scope))));
  });

export const handler = makeHandler(defaultDeps());
