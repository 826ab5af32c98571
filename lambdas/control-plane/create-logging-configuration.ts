import type { Deps } from '../core/deps';
import { createLoggingConfiguration } from '../core/logging-configurations';
import { createLoggingConfigurationInput, toLoggingConfigurationOutput } from '../domain/logging-configuration';
import { parseInput } from '../domain/validate';
import { lambdaEntry } from '../wiring/deps';
import { ok, restHandler } from './http';

export const makeHandler = (deps: Pick<Deps, 'scope' | 'idClock' | 'loggingConfigurations'>) =>
  restHandler('CreateLoggingConfiguration', async ({ body }) =>
    ok(toLoggingConfigurationOutput(await createLoggingConfiguration(deps, parseInput(createLoggingConfigurationInput, body)))),
  );

export const handler = lambdaEntry(makeHandler);
