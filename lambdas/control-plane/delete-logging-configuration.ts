import { deleteLoggingConfiguration } from '../core/rooms';
import { loggingConfigurationIdentifierInput } from '../domain/logging-configuration';
import { parseInput } from '../domain/validate';
import { Deps, defaultDeps } from '../shared/clients';
import { noContent, restHandler } from '../shared/http';

export const makeHandler = (deps: Deps) =>
  restHandler('DeleteLoggingConfiguration', async ({ body }) => {
    await deleteLoggingConfiguration(deps, parseInput(loggingConfigurationIdentifierInput, body).identifier);
    return noContent();
  });

export const handler = makeHandler(defaultDeps());
