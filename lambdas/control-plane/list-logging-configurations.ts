import { LOGGING_CONFIGURATION_POSITION_PATTERN } from '../data/logging-configurations';
import { listLoggingConfigurationsInput, toLoggingConfigurationOutput } from '../domain/logging-configuration';
import { decodePageToken, encodePageToken, filterFingerprint } from '../domain/pagination';
import { parseInput } from '../domain/validate';
import { Deps, defaultDeps } from '../shared/clients';
import { ok, restHandler } from '../shared/http';

/** AWS's default and largest ListLoggingConfigurations page. */
const DEFAULT_MAX_RESULTS = 50;

/** Newest createTime first; the order is not documented by AWS, and createTime never changes, so pages never shift. */
export const makeHandler = (deps: Deps) =>
  restHandler('ListLoggingConfigurations', async ({ body }) => {
    const { nextToken, maxResults } = parseInput(listLoggingConfigurationsInput, body);
    const fingerprint = filterFingerprint('ListLoggingConfigurations', {});
    const page = await deps.loggingConfigurations.listPage({
      limit: maxResults ?? DEFAULT_MAX_RESULTS,
      after: nextToken ? decodePageToken(nextToken, fingerprint, LOGGING_CONFIGURATION_POSITION_PATTERN) : undefined,
    });
    return ok({
      loggingConfigurations: page.configurations.map(toLoggingConfigurationOutput),
      ...(page.last ? { nextToken: encodePageToken(page.last, fingerprint) } : {}),
    });
  });

export const handler = makeHandler(defaultDeps());
