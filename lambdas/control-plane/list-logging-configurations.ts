import type { Deps } from '../core/deps';
import { listLoggingConfigurations } from '../core/logging-configurations';
import { listLoggingConfigurationsInput, toLoggingConfigurationOutput } from '../domain/logging-configuration';
import { parseInput } from '../domain/validate';
import { lambdaEntry } from '../wiring/deps';
import { ok, restHandler } from './http';

export const makeHandler = (deps: Pick<Deps, 'loggingConfigurations'>) =>
  restHandler('ListLoggingConfigurations', async ({ body }) => {
    const { items, nextToken } = await listLoggingConfigurations(deps, parseInput(listLoggingConfigurationsInput, body));
    return ok({ loggingConfigurations: items.map(toLoggingConfigurationOutput), ...(nextToken ? { nextToken } : {}) });
  });

export const handler = lambdaEntry(makeHandler);
