import type { Deps } from '../core/deps';
import { endExpiredSessions } from '../core/sessions';
import { logger } from '../shared/logger';
import { lambdaEntry } from '../wiring/deps';

/** Runs on a schedule (every minute on AWS, every second in local mode): ends sessions whose time is up. */
export const makeHandler = (deps: Pick<Deps, 'idClock' | 'connections' | 'gateway'>) => async (): Promise<{ ended: number }> => {
  const ended = await endExpiredSessions(deps);
  if (ended > 0) logger.info('sessions ended', { ended });
  return { ended };
};

export const handler = lambdaEntry(makeHandler);
