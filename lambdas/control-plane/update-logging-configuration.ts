import type { Deps } from '../core/deps';
import { updateLoggingConfiguration } from '../core/logging-configurations';
import { toLoggingConfigurationOutput, updateLoggingConfigurationInput } from '../domain/logging-configuration';
import { parseInput } from '../domain/validate';
import { lambdaEntry } from '../wiring/deps';
import { ok, restHandler } from './http';

export const makeHandler = (deps: Pick<Deps, 'scope' | 'idClock' | 'loggingConfigurations'>) =>
  restHandler('UpdateLoggingConfiguration', async ({ body }) =>
    ok(toLoggingConfigurationOutput(await updateLoggingConfiguration(deps, parseInput(updateLoggingConfigurationInput, body)))),
  );

export const handler = lambdaEntry(makeHandler);
