import type { Deps } from '../core/deps';
import { disconnected } from '../core/sessions';
import { lambdaEntry } from '../wiring/deps';
import { wsHandler } from './ws';

export const makeHandler = (deps: Pick<Deps, 'connections'>) =>
  wsHandler('$disconnect', async (event) => {
    await disconnected(deps, event.requestContext.connectionId);
    return { statusCode: 200, body: '' };
  });

export const handler = lambdaEntry(makeHandler);
