import { disconnected } from '../core/messaging';
import { Deps, defaultDeps } from '../shared/clients';
import { wsHandler } from '../shared/ws';

export const makeHandler = (deps: Deps) =>
  wsHandler('$disconnect', async (event) => {
    await disconnected(deps, event.requestContext.connectionId);
    return { statusCode: 200, body: '' };
  });

export const handler = makeHandler(defaultDeps());
