import { toRfc3339 } from '../domain/ids';
import {
  loggingConfigurationIdOf,
  toLoggingConfigurationOutput,
  toLoggingConfigurationPatch,
  updateLoggingConfigurationInput,
} from '../domain/logging-configuration';
import { parseInput } from '../domain/validate';
import { Deps, defaultDeps } from '../shared/clients';
import { ok, restHandler } from '../shared/http';

export const makeHandler = (deps: Deps) =>
  restHandler('UpdateLoggingConfiguration', async ({ body }) => {
    const input = parseInput(updateLoggingConfigurationInput, body);
    const id = loggingConfigurationIdOf(input.identifier, deps.scope);
    const updated = await deps.loggingConfigurations.update(id, toLoggingConfigurationPatch(input), toRfc3339(deps.idClock.now()));
    return ok(toLoggingConfigurationOutput(updated));
  });

export const handler = makeHandler(defaultDeps());
