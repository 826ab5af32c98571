import { handleFrame } from '../core/messaging';
import { Deps, defaultDeps } from '../shared/clients';
import { wsHandler } from '../shared/ws';

/** $default: every client frame (SEND_MESSAGE, DELETE_MESSAGE, DISCONNECT_USER, or garbage). */
export const makeHandler = (deps: Deps) =>
  wsHandler('$default', async (event) => {
    const body = event.isBase64Encoded ? '' : (event.body ?? '');
    await handleFrame(deps, event.requestContext.connectionId, body);
    return { statusCode: 200, body: '' };
  });

export const handler = makeHandler(defaultDeps());
