import { createLoggingConfigurationInput, newLoggingConfiguration, toLoggingConfigurationOutput } from '../domain/logging-configuration';
import { parseInput } from '../domain/validate';
import { Deps, defaultDeps } from '../shared/clients';
import { ok, restHandler } from '../shared/http';

export const makeHandler = (deps: Deps) =>
  restHandler('CreateLoggingConfiguration', async ({ body }) => {
    const configuration = newLoggingConfiguration(parseInput(createLoggingConfigurationInput, body), deps.scope, deps.idClock);
    await deps.loggingConfigurations.create(configuration);
    return ok(toLoggingConfigurationOutput(configuration));
  });

export const handler = makeHandler(defaultDeps());
