import type { Deps } from '../core/deps';
import { deleteLoggingConfiguration } from '../core/rooms';
import { loggingConfigurationIdentifierInput } from '../domain/logging-configuration';
import { parseInput } from '../domain/validate';
import { lambdaEntry } from '../wiring/deps';
import { noContent, restHandler } from './http';

export const makeHandler = (deps: Pick<Deps, 'scope' | 'idClock' | 'rooms' | 'loggingConfigurations' | 'loggingReferences'>) =>
  restHandler('DeleteLoggingConfiguration', async ({ body }) => {
    await deleteLoggingConfiguration(deps, parseInput(loggingConfigurationIdentifierInput, body).identifier);
    return noContent();
  });

export const handler = lambdaEntry(makeHandler);
