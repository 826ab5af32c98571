import { endExpiredSessions } from '../core/messaging';
import { Deps, defaultDeps } from '../shared/clients';
import { logger } from '../shared/logger';

/** Runs on a schedule (every minute on AWS, every second in local mode): ends sessions whose time is up. */
export const makeHandler = (deps: Deps) => async (): Promise<{ ended: number }> => {
  const ended = await endExpiredSessions(deps);
  if (ended > 0) logger.info('sessions ended', { ended });
  return { ended };
};

export const handler = makeHandler(defaultDeps());
